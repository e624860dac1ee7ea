// The operator's credential, DM_OPERATOR_TOKEN: sent as `Authorization: Bearer <token>` (RFC 6750
// §2.1) to the API (src/http/auth.ts) and to the mesh endpoints that take it (the Agent Durable
// Object), and as the live channel's first frame (durable-objects/live.ts).
import { secretsEqual } from "./constant-time.js";

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or null when the header is not one. */
export function bearerToken(header: string | null | undefined): string | null {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? "");
  return match ? match[1]!.trim() : null;
}

/** Is this the operator token? Never when none is configured: an empty DM_OPERATOR_TOKEN admits nobody. */
export function isOperatorToken(token: string | null, expected: string | undefined): boolean {
  return token !== null && Boolean(expected) && secretsEqual(token, expected!);
}
