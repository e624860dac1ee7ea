// The DarkMatter wire surface (mesh spec §8, §9): the anchor at the root and each hosted agent
// under /agents/<name>. Requests go to the Directory / Agent Durable Objects untouched; every
// answer is a JSON object (never problem+json, never a redirect, §4.3, §19.5).
import { Hono } from "hono";
import { DIRECTORY_NAME } from "../../durable-objects/directory.js";
import type { AppEnv } from "../http/app-env.js";
import { meshJson, meshNotFound } from "../http/mesh-response.js";
import { AGENT_NAME_HEADER, AGENT_PATH } from "../mesh/transport.js";

export const directoryStub = (env: Env) => env.DIRECTORY.get(env.DIRECTORY.idFromName(DIRECTORY_NAME));

export const meshRoutes = new Hono<AppEnv>();

// §9.3 plus the agents this Worker hosts (an anchor document has no agent_id, so discovery scans skip it).
meshRoutes.get("/.well-known/darkmatter.json", async (c) => meshJson(await directoryStub(c.env).wellKnown()));

meshRoutes.all("/__darkmatter__/*", (c) => directoryStub(c.env).fetch(c.req.raw));

meshRoutes.all("/agents/*", async (c) => {
  const match = AGENT_PATH.exec(new URL(c.req.url).pathname);
  if (!match || !match[2]) return meshNotFound();
  const request = new Request(c.req.raw);
  request.headers.set(AGENT_NAME_HEADER, match[1]!);
  return c.env.AGENT.get(c.env.AGENT.idFromName(match[1]!)).fetch(request);
});

export const isMeshPath = (path: string) => path.startsWith("/agents/") || path.startsWith("/__darkmatter__/") || path === "/.well-known/darkmatter.json";
