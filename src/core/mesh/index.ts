// The pure core of the DarkMatter mesh protocol (spec: docs/protocol/darkmatter-mesh.md, "mesh spec"; a `§n` anywhere in the code is a section of it).
// No Cloudflare imports: runs in workerd, Node (CLI) and the browser. One module per concept.
export * from "./limits.js";
export * from "./python-semantics.js";
export * from "./python-url.js";
export * from "./timestamp.js";
export * from "./passport.js";
export * from "./signed-payload.js";
export * from "./message-signing.js";
export * from "./url.js";
export * from "./mesh-paths.js";
export * from "./ip-address.js";
export * from "./ssrf.js";
export * from "./replay.js";
export * from "./rate-limit.js";
export * from "./mesh-reply.js";
export * from "./node-documents.js";
export * from "./connection.js";
export * from "./message-receipt.js";
export * from "./inbox.js";
export * from "./sent-message.js";
export * from "./forwarding.js";
export * from "./peer-update.js";
export * from "./anchor.js";
export * from "./availability.js";
export * from "./agent-timers.js";
