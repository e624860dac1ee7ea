// The DarkMatter wire surface (mesh spec §8, §9): the anchor at the root and each hosted agent
// under /agents/<name>. Requests go to the Directory / Agent Durable Objects untouched; every
// answer is a JSON object (never problem+json, never a redirect, §4.3, §19.5).
import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.js";
import { CLIENT_KEY_HEADER, requestClientKey } from "../core/client-address.js";
import { agentStub, directoryStub } from "../stubs.js";
import { MAX_MESSAGE_BODY_BYTES } from "../core/mesh/limits.js";
import { meshErrors } from "../core/mesh/mesh-reply.js";
import { meshJson, meshNotFound, meshResponse } from "../http/mesh-response.js";
import { AGENT_NAME_HEADER, AGENT_PATH } from "../mesh/transport.js";
import { isHostedAgent } from "../mesh/agent-access.js";

export const meshRoutes = new Hono<AppEnv>();

// §9.3 plus the agents this Worker hosts (an anchor document has no agent_id, so discovery scans skip it).
meshRoutes.get("/.well-known/darkmatter.json", async (c) => meshJson(await directoryStub(c.env).wellKnown()));

meshRoutes.all("/__darkmatter__/*", (c) => {
  const request = new Request(c.req.raw);
  request.headers.set(CLIENT_KEY_HEADER, requestClientKey(c.req.raw)); // never the client's own copy
  return directoryStub(c.env).fetch(request);
});

meshRoutes.all("/agents/*", async (c) => {
  const match = AGENT_PATH.exec(new URL(c.req.url).pathname);
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > MAX_MESSAGE_BODY_BYTES) {
    await c.req.raw.body?.cancel(); // refused before it reaches any object, unread
    return meshResponse(meshErrors.bodyTooLarge(MAX_MESSAGE_BODY_BYTES));
  }
  if (!match || !match[2] || !(await isHostedAgent(c.env, match[1]!))) {
    await c.req.raw.body?.cancel();
    return meshNotFound(); // no Durable Object is created for a name that is not hosted
  }
  const request = new Request(c.req.raw);
  request.headers.set(AGENT_NAME_HEADER, match[1]!);
  request.headers.set(CLIENT_KEY_HEADER, requestClientKey(c.req.raw)); // never the client's own copy
  return agentStub(c.env, match[1]!).fetch(request); // a hosted name is a valid one
});

export const isMeshPath = (path: string) =>
  path.startsWith("/agents/") || path.startsWith("/__darkmatter__/") || path === "/.well-known/darkmatter.json";
