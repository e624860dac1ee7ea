// /api/v1/ledger, /api/v1/promotions and /api/v1/worldlines/:id/green/proof: validate, call the
// Ledger (and WorldLine) Durable Objects, map.
import { z } from "zod";
import { notFound, unwrap } from "../core/problem.js";
import { Catalog } from "../stores/catalog.js";
import { isPublic, type Viewer } from "../core/privacy.js";
import { Hash } from "../schemas/common.js";
import {
  AnchorsBody,
  ApprovalBody,
  ConsistencyProof,
  ConsistencyQuery,
  CreateProposal,
  EntriesPage,
  EntriesQuery,
  GreenProofBundle,
  InclusionProof,
  InclusionQuery,
  Index,
  LedgerEntry,
  LedgerStatus,
  Proposal,
  ProposalId,
  ProposalsQuery,
  VerifyResult,
} from "../schemas/ledger.js";
import { viewer } from "../http/auth.js";
import { apiRoute, apiRouter, jsonBody, jsonContent, OPERATOR } from "../http/openapi.js";
import { ledgerStub, worldLineObjectId, worldLineStub } from "../stubs.js";

type LedgerEntryValue = z.infer<typeof LedgerEntry>;

/** The one mutation that needs no operator token: an approval's signature is its credential. */
export const isApproval = (method: string, path: string) =>
  method === "POST" && /^\/api\/v1\/promotions\/[^/]+\/approvals$/.test(path);

export const ledgerRoutes = apiRouter();

/** Every call to the Ledger object answers these until DM_LEDGER_KEY and DM_AUTHORITIES are right. */
const LEDGER_UNAVAILABLE = ["ledger-not-configured", "ledger-key-mismatch"] as const;

/** How many entries one anonymous page may scan past, hidden ones included, before it stops short. */
const MAX_ENTRIES_SCANNED = 5000;

/**
 * A page of entries in index order. Entries about a non-public world line are not shown to
 * anonymous readers (their proofs still verify: a proof reveals only hashes), and the page is
 * filled past them, so a short page means the end of the log or the scan bound. `next` is a log
 * position, never an entry's content: every position below `size` is public by construction
 * (the signed checkpoint and inclusion proofs cover them all). It follows the last entry shown,
 * or, when the scan bound stops a page short, the last position scanned.
 */
/**
 * Which of these world lines' ledger entries a reader may see: all for the operator, otherwise
 * only entries about no world line or about a public one (the catalog knows the levels). The one
 * visibility rule for every ledger read.
 */
async function entryVisibility(
  env: Env,
  viewer: Viewer,
  worldlines: readonly (string | null)[],
): Promise<(worldline: string | null) => boolean> {
  if (viewer.isOperator) return () => true;
  const named = worldlines.filter((id): id is string => id !== null);
  const visible = named.length > 0 ? await new Catalog(env.DB).publicAmong(named) : new Set<string>();
  return (worldline) => worldline === null || visible.has(worldline);
}

async function entriesPage(
  env: Env,
  query: z.infer<typeof EntriesQuery>,
  viewer: Viewer,
): Promise<z.infer<typeof EntriesPage>> {
  const ledger = ledgerStub(env);
  if (query.worldline && !(await entryVisibility(env, viewer, [query.worldline]))(query.worldline)) {
    return { items: [], size: unwrap(await ledger.status()).size, next: null }; // as for a world line that does not exist
  }
  const items: LedgerEntryValue[] = [];
  let from = query.from;
  for (let scanned = 0; items.length < query.limit && scanned < MAX_ENTRIES_SCANNED;) {
    const chunk = unwrap(
      await ledger.entries({
        ...query,
        from,
        limit: Math.min(query.limit - items.length, MAX_ENTRIES_SCANNED - scanned),
      }),
    );
    if (chunk.items.length === 0) return { items, size: chunk.size, next: null };
    const visible = await entryVisibility(env, viewer, chunk.worldlines);
    chunk.items.forEach((entry, i) => {
      if (visible(chunk.worldlines[i] ?? null)) items.push(entry);
    });
    scanned += chunk.items.length;
    from = chunk.items[chunk.items.length - 1]!.index + 1;
  }
  // A full page ends with an entry shown; a page cut by the scan bound ends where the scan did.
  const more = unwrap(await ledger.entries({ ...query, from, limit: 1 }));
  return { items, size: more.size, next: more.items.length > 0 ? from : null };
}

ledgerRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/ledger",
    tags: ["ledger"],
    summary: "Ledger status",
    responses: { 200: jsonContent(LedgerStatus, "size, root, head and the authority set") },
    problems: LEDGER_UNAVAILABLE,
  }),
  async (c) => c.json(unwrap(await ledgerStub(c.env).status()), 200),
);

ledgerRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/ledger/checkpoint",
    tags: ["ledger"],
    summary: "Signed checkpoint (C2SP tlog-checkpoint note)",
    description:
      "origin, size and base64 root, then an Ed25519 signature line by the ledger key: `— <origin> base64(keyID ‖ signature)`.",
    responses: {
      200: { description: "the signed note", content: { "text/plain": { schema: z.string() } } },
    },
    problems: LEDGER_UNAVAILABLE,
  }),
  async (c) =>
    c.text(unwrap(await ledgerStub(c.env).checkpoint()), 200, { "content-type": "text/plain; charset=utf-8" }),
);

ledgerRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/ledger/entries",
    tags: ["ledger"],
    summary: "Entries in index order, optionally by kind or world line",
    request: { query: EntriesQuery },
    responses: { 200: jsonContent(EntriesPage, "a page of entries") },
    problems: LEDGER_UNAVAILABLE,
  }),
  async (c) => c.json(await entriesPage(c.env, c.req.valid("query"), viewer(c)), 200),
);

ledgerRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/ledger/entries/{index}",
    tags: ["ledger"],
    summary: "One entry",
    request: { params: z.object({ index: Index }) },
    responses: { 200: jsonContent(LedgerEntry, "the entry") },
    problems: ["not-found", ...LEDGER_UNAVAILABLE],
  }),
  async (c) => {
    const { entry, worldline } = unwrap(await ledgerStub(c.env).entry(c.req.valid("param").index));
    if (!(await entryVisibility(c.env, viewer(c), [worldline]))(worldline)) throw notFound("ledger entry");
    return c.json(entry, 200);
  },
);

ledgerRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/ledger/proofs/inclusion",
    tags: ["ledger"],
    summary: "RFC 9162 inclusion proof",
    request: { query: InclusionQuery },
    responses: { 200: jsonContent(InclusionProof, "the proof") },
    problems: ["index-out-of-range", "size-out-of-range", ...LEDGER_UNAVAILABLE],
  }),
  async (c) => {
    const { index, size } = c.req.valid("query");
    return c.json(unwrap(await ledgerStub(c.env).inclusion(index, size)), 200);
  },
);

ledgerRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/ledger/proofs/consistency",
    tags: ["ledger"],
    summary: "RFC 9162 consistency proof",
    request: { query: ConsistencyQuery },
    responses: { 200: jsonContent(ConsistencyProof, "the proof") },
    problems: ["size-out-of-range", ...LEDGER_UNAVAILABLE],
  }),
  async (c) => {
    const { from, to } = c.req.valid("query");
    return c.json(unwrap(await ledgerStub(c.env).consistency(from, to)), 200);
  },
);

ledgerRoutes.openapi(
  apiRoute({
    method: "post",
    path: "/ledger/verify",
    tags: ["ledger"],
    summary: "Re-check every hash link, entry hash, the Merkle root and every quorum signature",
    security: OPERATOR,
    responses: { 200: jsonContent(VerifyResult, "ok, or the first bad index") },
    problems: LEDGER_UNAVAILABLE,
  }),
  async (c) => c.json(unwrap(await ledgerStub(c.env).verify()), 200),
);

ledgerRoutes.openapi(
  apiRoute({
    method: "post",
    path: "/ledger/anchors",
    tags: ["ledger"],
    summary: "Attest roots of outside logs (anchor entries; no quorum)",
    security: OPERATOR,
    request: jsonBody(AnchorsBody),
    responses: {
      201: jsonContent(
        z.object({ entries: z.array(z.object({ index: z.number().int(), hash: Hash })) }),
        "the anchor entries",
      ),
    },
    problems: LEDGER_UNAVAILABLE,
  }),
  async (c) => c.json({ entries: unwrap(await ledgerStub(c.env).anchor(c.req.valid("json").anchors)) }, 201),
);

ledgerRoutes.openapi(
  apiRoute({
    method: "post",
    path: "/promotions",
    tags: ["promotions"],
    summary: "Propose a promotion, rollback or authority change",
    security: OPERATOR,
    description:
      "Answers the proposal with its `payload` (exactly what is signed) and `digest` = SHA3-256(JCS(payload)). Authorities approve by signing the 32 raw digest bytes.",
    request: jsonBody(CreateProposal),
    responses: {
      201: jsonContent(Proposal, "the pending proposal"),
    },
    problems: [
      "not-found",
      "unknown-commit",
      "target-worldline-terminated",
      "already-green",
      "not-an-earlier-green",
      "invalid-quorum",
      ...LEDGER_UNAVAILABLE,
    ],
  }),
  async (c) => {
    const input = c.req.valid("json");
    if (input.kind === "authorities") {
      const proposal = unwrap(
        await ledgerStub(c.env).propose({
          kind: "authorities",
          worldline: null,
          commit: null,
          stateRoot: null,
          authorities: { authorities: input.authorities, quorum: input.quorum },
          durableObject: null,
          isPublic: true,
        }),
      );
      return c.json(proposal, 201);
    }
    const target = unwrap(await worldLineStub(c.env, input.worldline).proposable(input.commit));
    const proposal = unwrap(
      await ledgerStub(c.env).propose({
        kind: input.kind,
        worldline: input.worldline,
        commit: target.commit,
        stateRoot: target.tree,
        authorities: null,
        durableObject: worldLineObjectId(c.env, input.worldline),
        isPublic: isPublic(target.privacy),
      }),
    );
    return c.json(proposal, 201, { location: `/api/v1/promotions/${proposal.id}` });
  },
);

ledgerRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/promotions",
    tags: ["promotions"],
    summary: "Proposals, newest first",
    request: { query: ProposalsQuery },
    responses: {
      200: jsonContent(z.object({ items: z.array(Proposal), next: z.string().nullable() }), "a page of proposals"),
    },
    problems: LEDGER_UNAVAILABLE,
  }),
  async (c) => {
    const { status, limit, cursor } = c.req.valid("query");
    return c.json(unwrap(await ledgerStub(c.env).proposals({ status, limit, before: cursor }, viewer(c))), 200);
  },
);

ledgerRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/promotions/{id}",
    tags: ["promotions"],
    summary: "One proposal with its approvals",
    request: { params: z.object({ id: ProposalId }) },
    responses: { 200: jsonContent(Proposal, "the proposal") },
    problems: ["not-found", ...LEDGER_UNAVAILABLE],
  }),
  async (c) => c.json(unwrap(await ledgerStub(c.env).proposal(c.req.valid("param").id, viewer(c))), 200),
);

ledgerRoutes.openapi(
  apiRoute({
    method: "post",
    path: "/promotions/{id}/approvals",
    tags: ["promotions"],
    summary: "An authority's approval (no operator token: the signature is the credential)",
    description:
      "`signature` is Ed25519 over the 32 raw bytes of the proposal's digest. Non-authority or bad signature → 403; repeating an approval is idempotent; a decided or stale proposal → 409. At quorum the decision entry is appended and the world line's green moves.",
    request: { params: z.object({ id: ProposalId }), ...jsonBody(ApprovalBody) },
    responses: {
      200: jsonContent(Proposal, "the proposal after this approval"),
    },
    problems: [
      "not-found",
      "not-an-authority",
      "bad-signature",
      "proposal-decided",
      "proposal-stale",
      ...LEDGER_UNAVAILABLE,
    ],
  }),
  async (c) => {
    const location = (c.req.raw as { cf?: { colo?: string } }).cf?.colo ?? "local";
    return c.json(
      unwrap(await ledgerStub(c.env).approve(c.req.valid("param").id, c.req.valid("json"), location, viewer(c))),
      200,
    );
  },
);

ledgerRoutes.openapi(
  apiRoute({
    method: "get",
    path: "/worldlines/{id}/green/proof",
    tags: ["promotions"],
    summary: "Self-contained proof of the green commit, verifiable offline (`darkmatter verify`)",
    request: { params: z.object({ id: z.string() }) },
    responses: { 200: jsonContent(GreenProofBundle, "the proof bundle") },
    problems: ["not-found", "no-green-commit", ...LEDGER_UNAVAILABLE],
  }),
  async (c) => {
    const id = c.req.valid("param").id;
    unwrap(await worldLineStub(c.env, id).info(viewer(c))); // privacy: invisible world lines have no proof either
    return c.json(unwrap(await ledgerStub(c.env).greenProof(id)), 200);
  },
);
