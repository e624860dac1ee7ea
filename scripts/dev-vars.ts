// Local secrets for `wrangler dev`: fills .dev.vars (git-ignored) with a fresh value for every
// key that is missing and keeps the ones present. Each secret has one generator here; later
// capabilities add theirs to SECRETS.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export type DevVars = Record<string, string>;

interface SecretGenerator {
  key: string;
  describe: string;
  generate: (current: DevVars) => string;
}

export const SECRETS: SecretGenerator[] = [
  { key: "DM_OPERATOR_TOKEN", describe: "bearer token for mutating /api/v1 calls", generate: () => randomBytes(32).toString("base64url") },
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
    vars[secret.key] = secret.generate(vars);
    added.push(secret.key);
    if (text && !text.endsWith("\n")) text += "\n";
    text += `# ${secret.describe}\n${secret.key}="${vars[secret.key]}"\n`;
  }
  if (added.length || Object.keys(preset).length) writeFileSync(path, text, { mode: 0o600 });
  return { vars, added };
}
