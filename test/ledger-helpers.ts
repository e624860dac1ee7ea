import { hexToBytes } from "../src/core/hash.js";
import { signHex } from "../src/core/signing.js";
import { api } from "./api.js";
import type { TestKey } from "./keys.js";

export async function propose(body: Record<string, unknown>) {
  return api("POST", "/api/v1/promotions", { body });
}

export async function approve(
  id: string,
  digest: string,
  key: TestKey,
  overrides: { signature?: string; authority?: string } = {},
) {
  const signature = overrides.signature ?? (await signHex(key.privateKey, hexToBytes(digest)));
  return api("POST", `/api/v1/promotions/${id}/approvals`, {
    body: { authority: overrides.authority ?? key.publicKey, signature },
    token: null,
  });
}
