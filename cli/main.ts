// darkmatter verify <bundle.json> [--ledger-key <hex>]   offline check of a green proof bundle
// darkmatter approve <promotionId> --authority <n|publicKey> [--keys <file>]
// darkmatter ledger verify                                ask the server to re-check its whole ledger
// Server: --url or DM_URL (default http://localhost:8787); operator token: DM_OPERATOR_TOKEN or .dev.vars.
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { proposalDigest } from "../src/core/authority.js";
import { hexToBytes } from "../src/core/hash.js";
import { verifyGreenBundle, type GreenProofBundle } from "../src/core/proof-bundle.js";
import { publicKeyOf, signHex } from "../src/core/signing.js";
import { authoritiesFile, parseDevVars, type AuthorityKeys } from "../scripts/dev-vars.js";

const USAGE = `usage:
  darkmatter verify <bundle.json> [--ledger-key <hex>]
  darkmatter approve <promotionId> --authority <n|publicKey> [--keys <authorities.json>]
  darkmatter ledger verify
options: --url <server> (or DM_URL, default http://localhost:8787)`;

class CliError extends Error {}

interface Context {
  url: string;
  out: (line: string) => void;
}

function operatorToken(): string | undefined {
  if (process.env.DM_OPERATOR_TOKEN) return process.env.DM_OPERATOR_TOKEN;
  if (existsSync(".dev.vars")) return parseDevVars(readFileSync(".dev.vars", "utf8")).DM_OPERATOR_TOKEN;
  return undefined;
}

async function call(ctx: Context, method: string, path: string, body?: unknown, token?: string): Promise<any> {
  let response: Response;
  try {
    response = await fetch(ctx.url.replace(/\/+$/, "") + path, {
      method,
      headers: {
        ...(body !== undefined && { "content-type": "application/json" }),
        ...(token && { authorization: `Bearer ${token}` }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new CliError(`cannot reach ${ctx.url}: ${(error as Error).message} (set --url or DM_URL)`);
  }
  const text = await response.text();
  const parsed = text && response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text;
  if (!response.ok) throw new CliError(`${method} ${path} → ${response.status}: ${parsed?.detail ?? text}`);
  return parsed;
}

async function verify(ctx: Context, file: string | undefined, ledgerKey: string | undefined): Promise<number> {
  if (!file) throw new CliError("verify needs a bundle file: darkmatter verify <bundle.json>");
  let bundle: GreenProofBundle;
  try {
    bundle = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const result = await verifyGreenBundle(bundle, { ledgerPublicKey: ledgerKey });
  if (!result.ok) {
    ctx.out(`✗ ${file}: ${result.reason}`);
    return 1;
  }
  ctx.out(`✓ ${result.worldline} green = ${result.commit}`);
  ctx.out(
    `  ${result.kind} entry ${result.index} of ${result.size}, ${result.approvals} authority signatures (quorum ${result.quorum}), checkpoint root ${result.root}`,
  );
  if (!result.ledgerKeyPinned)
    ctx.out(`  ledger key ${bundle.ledger.publicKey} taken from the bundle; pin it with --ledger-key`);
  return 0;
}

async function approve(
  ctx: Context,
  id: string | undefined,
  which: string | undefined,
  keysPath: string,
): Promise<number> {
  if (!id || !which) throw new CliError("approve needs a promotion id and --authority <n|publicKey>");
  if (!existsSync(keysPath))
    throw new CliError(`no authority keys at ${keysPath} (npm start writes them; or pass --keys)`);
  const { authorities } = JSON.parse(readFileSync(keysPath, "utf8")) as AuthorityKeys;
  const key = /^\d+$/.test(which)
    ? authorities[Number(which) - 1]
    : authorities.find((a) => a.publicKey.startsWith(which) || a.name === which);
  if (!key)
    throw new CliError(`no authority "${which}" in ${keysPath} (use 1..${authorities.length}, a name or a public key)`);
  if (publicKeyOf(key.privateKey) !== key.publicKey)
    throw new CliError(`${keysPath}: the private key of ${key.name} does not match its public key`);
  // With the operator token (when there is one) so a proposal about a non-public world line is
  // readable; without it such a proposal answers 404 like a missing one (README: ledger privacy).
  const proposal = await call(ctx, "GET", `/api/v1/promotions/${encodeURIComponent(id)}`, undefined, operatorToken());
  // Sign only what we checked: the digest must be the hash of the payload we are shown.
  if (proposalDigest(proposal.payload) !== proposal.digest)
    throw new CliError("the server's digest does not match the proposal payload; refusing to sign");
  const signature = await signHex(key.privateKey, hexToBytes(proposal.digest));
  const after = await call(ctx, "POST", `/api/v1/promotions/${encodeURIComponent(id)}/approvals`, {
    authority: key.publicKey,
    signature,
  });
  ctx.out(
    `✓ ${key.name} approved ${id} (${after.kind} ${after.payload.worldline ?? ""} ${after.payload.commit ?? ""})`.replace(
      /\s+\)/,
      ")",
    ),
  );
  ctx.out(
    `  ${after.approvals.length} of ${after.quorum} approvals, status ${after.status}${after.decision ? `, decided at ledger entry ${after.decision.index}` : ""}`,
  );
  return 0;
}

async function ledgerVerify(ctx: Context): Promise<number> {
  const token = operatorToken();
  if (!token)
    throw new CliError("ledger verify needs the operator token: set DM_OPERATOR_TOKEN or run where .dev.vars is");
  const result = await call(ctx, "POST", "/api/v1/ledger/verify", undefined, token);
  if (result.ok) {
    ctx.out(`✓ ledger verified: ${result.size} entries, root ${result.root}`);
    return 0;
  }
  ctx.out(`✗ ledger fails at entry ${result.firstBadIndex ?? "?"}: ${result.reason}`);
  return 1;
}

export async function main(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: "string" },
        authority: { type: "string" },
        keys: { type: "string" },
        "ledger-key": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    out(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const ctx: Context = { url: values.url ?? process.env.DM_URL ?? "http://localhost:8787", out };
  const [command, ...rest] = positionals;
  try {
    if (values.help || !command) {
      out(USAGE);
      return values.help ? 0 : 2;
    }
    if (command === "verify") return await verify(ctx, rest[0], values["ledger-key"]);
    if (command === "approve")
      return await approve(ctx, rest[0], values.authority, values.keys ?? authoritiesFile("."));
    if (command === "ledger" && rest[0] === "verify") return await ledgerVerify(ctx);
    out(`unknown command "${positionals.join(" ")}"\n${USAGE}`);
    return 2;
  } catch (error) {
    if (error instanceof CliError) {
      out(`✗ ${error.message}`);
      return 1;
    }
    throw error;
  }
}
