// Mesh replies on the wire (mesh spec §4.3): always a JSON object, `application/json` with no
// charset, errors exactly `{"error": "<text>"}`. Never problem+json: Python peers parse every
// reply as JSON and look for `error`.
import { replyBody, type MeshReply } from "../core/mesh/mesh-reply.js";

export function meshJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

export function meshResponse<T>(reply: MeshReply<T>, headers: Record<string, string> = {}): Response {
  return meshJson(replyBody(reply), reply.status, headers);
}

/** Unknown mesh path or wrong method: still a JSON object (§4.1 allows any body; §19.5 wants JSON). */
export function meshNotFound(): Response {
  return meshJson({ error: "Not Found" }, 404);
}

export function meshMethodNotAllowed(allow: string): Response {
  return meshJson({ error: "Method Not Allowed" }, 405, { allow });
}
