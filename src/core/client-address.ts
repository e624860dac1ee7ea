// Which client a request comes from, as a key for per-client limits (issue 11). Behind Cloudflare
// the client is `CF-Connecting-IP` (set by the edge, never by the client; wrangler dev sets it to
// the socket's peer address). IPv6 clients are keyed by their /64: one subscriber usually holds a
// whole /64 (RFC 6177), so keying by full address would give one attacker 2^64 budgets.
import { parseIpAddress } from "./mesh/ip-address.js";

/** The key when no address is known (a request from inside this Worker, or a test without the header). */
export const UNKNOWN_CLIENT = "unknown";

/** `CF-Connecting-IP` → `a.b.c.d` for IPv4 (and IPv4-mapped IPv6), `xxxx:xxxx:xxxx:xxxx::/64` for IPv6. */
export function clientAddressKey(header: string | null | undefined): string {
  const text = header?.trim() ?? "";
  if (!text) return UNKNOWN_CLIENT;
  const address = parseIpAddress(text);
  if (!address) return text.slice(0, 64); // not an address: still a key, but bounded
  if (address.version === 4) return dottedQuad(address.value);
  if (address.value >> 32n === 0xffffn) return dottedQuad(address.value & 0xffffffffn); // ::ffff:a.b.c.d is an IPv4 client
  const prefix = address.value >> 64n;
  const groups = [48n, 32n, 16n, 0n].map((shift) => ((prefix >> shift) & 0xffffn).toString(16));
  return `${groups.join(":")}::/64`;
}

function dottedQuad(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
}

/** The client key of a request as it reached the Worker. */
export function requestClientKey(request: Request): string {
  return clientAddressKey(request.headers.get("cf-connecting-ip"));
}

/**
 * The header the Worker's mesh route sets to the client key (overwriting any a client sent), and
 * the key our own in-process mesh calls carry instead (src/mesh/transport.ts): a value no
 * address key can take, since the route always sets one.
 */
export const CLIENT_KEY_HEADER = "x-dm-client";
export const INTERNAL_CLIENT = "internal";
