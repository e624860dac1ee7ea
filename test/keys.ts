// Fixed test keys: the same seeds the vitest config derives DM_AUTHORITIES and DM_LEDGER_KEY from.
import { env } from "cloudflare:workers";

export interface TestKey {
  publicKey: string;
  privateKey: string;
}

const keys = JSON.parse((env as unknown as { TEST_KEYS: string }).TEST_KEYS) as {
  authorities: TestKey[];
  outsider: TestKey;
  ledger: TestKey;
};

export const authorities = keys.authorities;
export const outsider = keys.outsider;
export const ledgerKey = keys.ledger;
