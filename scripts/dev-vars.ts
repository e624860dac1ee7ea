// Local secrets for `wrangler dev`: fills .dev.vars (git-ignored) with a fresh value for every
// key that is missing and keeps the ones present. Each secret has one generator here; later
// capabilities add theirs to SECRETS.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { AGENT_TOKEN_PREFIX } from "../src/core/agent-token.js";
import { generateKeyPair } from "../src/core/signing.js";

export type DevVars = Record<string, string>;

interface SecretGenerator {
  key: string;
  describe: string;
  /** `dir` is the folder of the vars file: private material that is not a Worker secret goes beside it. */
  generate: (current: DevVars, dir: string) => string;
}

/** Where `npm start` keeps the local authorities' private keys (git-ignored), for `darkmatter approve`. */
export const authoritiesFile = (dir: string) => join(dir, ".darkmatter", "authorities.json");

export interface AuthorityKeys {
  authorities: Array<{ name: string; publicKey: string; privateKey: string }>;
}

export const SECRETS: SecretGenerator[] = [
  {
    key: "DM_OPERATOR_TOKEN",
    describe: "bearer token for mutating /api/v1 calls",
    generate: () => randomBytes(32).toString("base64url"),
  },
  {
    key: "DM_LEDGER_KEY",
    describe: "the consensus ledger's Ed25519 private key (signs checkpoints)",
    generate: () => generateKeyPair().privateKey,
  },
  {
    key: "DM_AUTHORITIES",
    describe: "public keys of the local ledger authorities (private keys: .darkmatter/authorities.json)",
    generate: (_current, dir) => {
      const keys: AuthorityKeys = {
        authorities: [1, 2, 3].map((n) => ({ name: `authority-${n}`, ...generateKeyPair() })),
      };
      const file = authoritiesFile(dir);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(keys, null, 2) + "\n", { mode: 0o600 });
      return keys.authorities.map((a) => a.publicKey).join(",");
    },
  },
  { key: "DM_QUORUM", describe: "k of the k-of-n authority quorum", generate: () => "2" },
  {
    key: "DM_HUB_PASSPORT",
    describe: "the hub agent's Ed25519 passport (private key hex)",
    generate: () => generateKeyPair().privateKey,
  },
  {
    key: "DM_HUB_TOKEN",
    describe: "the hub agent's bearer token for /agents/hub/mcp and /api/v1/agents/hub/…",
    generate: () => AGENT_TOKEN_PREFIX + randomBytes(32).toString("hex"), // the shape of every agent token
  },
  {
    key: "DM_METRICS_TOKEN",
    describe: "bearer token Prometheus scrapes GET /metrics with",
    generate: () => randomBytes(32).toString("base64url"),
  },
];

export function parseDevVars(text: string): DevVars {
  const vars: DevVars = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match || line.trimStart().startsWith("#")) continue;
    let value = match[2]!;
    if (/^".*"$/.test(value) || /^'.*'$/.test(value)) value = value.slice(1, -1);
    vars[match[1]!] = value;
  }
  return vars;
}

/** Reads `path`, adds what is missing, writes it back (only when something was added). */
export function ensureDevVars(path = ".dev.vars", preset: DevVars = {}): { vars: DevVars; added: string[] } {
  let original = existsSync(path) ? readFileSync(path, "utf8") : "";
  for (const [key, value] of Object.entries(preset)) original += `${key}="${value}"\n`;
  const vars = parseDevVars(original);
  const added: string[] = [];
  let text = original;
  for (const secret of SECRETS) {
    if (vars[secret.key]) continue;
    vars[secret.key] = secret.generate(vars, dirname(path));
    added.push(secret.key);
    if (text && !text.endsWith("\n")) text += "\n";
    text += `# ${secret.describe}\n${secret.key}="${vars[secret.key]}"\n`;
  }
  if (added.length || Object.keys(preset).length) writeFileSync(path, text, { mode: 0o600 });
  return { vars, added };
}
