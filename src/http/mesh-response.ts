// Mesh replies on the wire (mesh spec §4.3): always a JSON object, `application/json` with no
// charset, errors exactly `{"error": "<text>"}`. Never problem+json: Python peers parse every
// reply as JSON and look for `error`.
import { meshErrors, replyBody, type MeshReply } from "../core/mesh/mesh-reply.js";
import { readLimited } from "./body.js";

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

/**
 * A mesh request body read with a byte cap before anything parses or stores it (issue 11): a
 * declared Content-Length over the cap is refused with the body left unread; a stream that
 * passes the cap is cancelled there. Either way the caller gets the 413 `{"error": …}` to send.
 */
export async function readMeshBody(
  request: Request,
  limit: number,
): Promise<{ ok: true; text: string } | { ok: false; response: Response }> {
  const tooLarge = () => ({ ok: false as const, response: meshResponse(meshErrors.bodyTooLarge(limit)) });
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) {
    await request.body?.cancel();
    return tooLarge();
  }
  const text = await readLimited(request, limit);
  return text === null ? tooLarge() : { ok: true, text };
}
