// The control plane's MCP tools (issue 14): what the REST API does, one tool per operation, each
// one REST request (control-rest.ts) with the route's own schema (src/schemas/control-tools.ts).
// Annotations are MCP 2025-11-25 tool hints: `readOnlyHint`, `destructiveHint` (may it overwrite
// or remove what exists, rather than only add), `idempotentHint` (does repeating the same call
// change nothing more), `openWorldHint` false (every tool acts on this control plane only).
//
// Not tools, on purpose (the human stays in the loop): approving or rejecting a task (the
// operator's act in the dashboard, the CLI or POST /api/v1/tasks/{id}/approve) and approving a
// promotion (an authority signs its digest with an Ed25519 key no LLM holds: `darkmatter approve`).
import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import type { DomainError } from "../core/problem.js";
import * as inputs from "../schemas/control-tools.js";
import { segment, type RestCall } from "./control-rest.js";

export interface ControlTool {
  name: string;
  title: string;
  description: string;
  input: z.ZodObject;
  /** `public`: listed without a token too, and then it reads what the anonymous REST API shows. */
  access: "public" | "operator";
  annotations: ToolAnnotations;
  /** The REST request: path parameters from the validated arguments, query and body from the sent ones. */
  request(args: Args, sent: Args): RestCall;
  /** A refusal that is the tool's answer rather than an error (a merge's conflicts), or undefined. */
  asResult?(error: DomainError): unknown;
}

type Args = Record<string, unknown>;

const READ: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
const write = (hints: { destructive: boolean; idempotent: boolean }): ToolAnnotations => ({
  readOnlyHint: false,
  destructiveHint: hints.destructive,
  idempotentHint: hints.idempotent,
  openWorldHint: false,
});
const ADDS = write({ destructive: false, idempotent: false });

/** The arguments the client sent, without the ones that went into the path. */
const without = (sent: Args, ...keys: string[]): Args =>
  Object.fromEntries(Object.entries(sent).filter(([key]) => !keys.includes(key)));
const worldLine = (args: Args) => `/worldlines/${segment(String(args.id), "world line")}`;

export const CONTROL_TOOLS: readonly ControlTool[] = [
  {
    name: "darkmatter_worldline_list",
    title: "List world lines",
    description:
      "World lines, newest first, a page at a time (`limit` 1–500, `cursor` = the previous page's `next`). Without the operator token only public-network and full-public ones. GET /api/v1/worldlines.",
    input: inputs.WorldLineListInput,
    access: "public",
    annotations: READ,
    request: (_, sent) => ({ method: "GET", path: "/worldlines", query: sent }),
  },
  {
    name: "darkmatter_worldline_get",
    title: "Read a world line",
    description:
      "One world line: name, color (blue, or green when the head is promoted), status, privacy, head and green commits, parents. GET /api/v1/worldlines/{id}.",
    input: inputs.WorldLineGetInput,
    access: "public",
    annotations: READ,
    request: (args) => ({ method: "GET", path: worldLine(args) }),
  },
  {
    name: "darkmatter_worldline_state",
    title: "Read a world line's entities",
    description:
      "One page of the entities at a commit (`at`: a commit hash, head or green; default head), in the state tree's key order; page with `cursor` = `next` and `at` = the first page's commit. GET /api/v1/worldlines/{id}/state.",
    input: inputs.WorldLineStateInput,
    access: "public",
    annotations: READ,
    request: (args, sent) => ({ method: "GET", path: `${worldLine(args)}/state`, query: without(sent, "id") }),
  },
  {
    name: "darkmatter_worldline_create",
    title: "Create a world line",
    description:
      "A new blue world line with these entities (id → JSON value); privacy defaults to private. POST /api/v1/worldlines.",
    input: inputs.WorldLineCreateInput,
    access: "operator",
    annotations: ADDS,
    request: (_, sent) => ({ method: "POST", path: "/worldlines", body: sent }),
  },
  {
    name: "darkmatter_worldline_patch",
    title: "Patch a world line's state",
    description:
      "Commit a patch against the entities object: `mergePatch` (RFC 7396; null deletes) or `jsonPatch` (RFC 6902), exactly one. A patch that fails any operation changes nothing; `ifMatch` refuses it unless the head is that commit. Earlier commits stay readable. PATCH /api/v1/worldlines/{id}/state.",
    input: inputs.WorldLinePatchInput,
    access: "operator",
    annotations: write({ destructive: true, idempotent: false }),
    request: (args, sent) => {
      const isMerge = sent.mergePatch !== undefined;
      return {
        method: "PATCH",
        path: `${worldLine(args)}/state`,
        body: isMerge ? sent.mergePatch : sent.jsonPatch,
        contentType: isMerge ? "application/merge-patch+json" : "application/json-patch+json",
        bodyAt: isMerge ? "/mergePatch" : "/jsonPatch",
        headers: {
          "if-match": args.ifMatch as string | undefined,
          "x-dm-author": args.author as string | undefined,
          "x-dm-message": args.message as string | undefined,
        },
      };
    },
  },
  {
    name: "darkmatter_worldline_fork",
    title: "Fork a world line",
    description:
      "A new blue world line at this one's head, sharing its tree; privacy inherited or stricter. POST /api/v1/worldlines/{id}/fork.",
    input: inputs.WorldLineForkInput,
    access: "operator",
    annotations: ADDS,
    request: (args, sent) => ({ method: "POST", path: `${worldLine(args)}/fork`, body: without(sent, "id") }),
  },
  {
    name: "darkmatter_worldline_merge",
    title: "Merge a world line into another",
    description:
      'Three-way merge of `source` into `id`. Conflicts are answered as data — `{merged: false, conflicts: [{path, base, ours, theirs}]}` — and nothing changes; strategy "ours" or "theirs" settles them. A source stricter than the target needs `squash: true`. POST /api/v1/worldlines/{id}/merge.',
    input: inputs.WorldLineMergeInput,
    access: "operator",
    annotations: write({ destructive: true, idempotent: false }),
    request: (args, sent) => ({ method: "POST", path: `${worldLine(args)}/merge`, body: without(sent, "id") }),
    // The REST 409's `conflicts` are what the caller must resolve: an answer to read, not a failure.
    asResult: (error) =>
      error.code === "merge-conflict"
        ? { merged: false, conflicts: error.fields.conflicts, detail: error.fields.detail }
        : undefined,
  },
  {
    name: "darkmatter_worldline_terminate",
    title: "Terminate a world line",
    description:
      "Terminate: the history stays readable, every later write is refused (410). DELETE /api/v1/worldlines/{id}.",
    input: inputs.WorldLineTerminateInput,
    access: "operator",
    annotations: write({ destructive: true, idempotent: true }),
    request: (args) => ({ method: "DELETE", path: worldLine(args) }),
  },
  {
    name: "darkmatter_worldline_diff",
    title: "Diff two commits",
    description:
      "Entity-level changes from `from` to `to` (commit hashes, head or green), a page at a time. GET /api/v1/worldlines/{id}/diff.",
    input: inputs.WorldLineDiffInput,
    access: "public",
    annotations: READ,
    request: (args, sent) => ({ method: "GET", path: `${worldLine(args)}/diff`, query: without(sent, "id") }),
  },
  {
    name: "darkmatter_worldline_commits",
    title: "A world line's history",
    description:
      "Commits (author, message, time, parents), newest generation first, a page at a time. GET /api/v1/worldlines/{id}/commits.",
    input: inputs.WorldLineCommitsInput,
    access: "public",
    annotations: READ,
    request: (args, sent) => ({ method: "GET", path: `${worldLine(args)}/commits`, query: without(sent, "id") }),
  },
  {
    name: "darkmatter_promotion_propose",
    title: "Propose a promotion",
    description:
      "Propose promoting a world line's commit to green (`kind: promote`, commit defaults to the head), a rollback to an earlier green commit, or an authority change. Answers the pending proposal with the digest authorities sign; it turns green only when a quorum of authorities approves with their Ed25519 keys, outside MCP (`darkmatter approve`). POST /api/v1/promotions.",
    input: inputs.PromotionProposeInput,
    access: "operator",
    annotations: ADDS,
    request: (_, sent) => ({ method: "POST", path: "/promotions", body: sent }),
  },
  {
    name: "darkmatter_promotion_get",
    title: "Read a proposal",
    description: "One proposal with its payload, digest, approvals and decision. GET /api/v1/promotions/{id}.",
    input: inputs.PromotionGetInput,
    access: "public",
    annotations: READ,
    request: (args) => ({ method: "GET", path: `/promotions/${segment(String(args.id), "proposal")}` }),
  },
  {
    name: "darkmatter_ledger_status",
    title: "Ledger status",
    description: "The consensus ledger's size, Merkle root, head hash, authorities and quorum. GET /api/v1/ledger.",
    input: inputs.LedgerStatusInput,
    access: "public",
    annotations: READ,
    request: () => ({ method: "GET", path: "/ledger" }),
  },
  {
    name: "darkmatter_ledger_entries",
    title: "Ledger entries",
    description:
      "Entries in index order from `from`, optionally of one `kind` or `worldline`; `next` is the `from` of the next page. GET /api/v1/ledger/entries.",
    input: inputs.LedgerEntriesInput,
    access: "public",
    annotations: READ,
    request: (_, sent) => ({ method: "GET", path: "/ledger/entries", query: sent }),
  },
  {
    name: "darkmatter_ledger_proof",
    title: "A ledger proof",
    description:
      "`proof: inclusion` (`index`, `size`?: RFC 9162 §2.1.3), `consistency` (`from`, `to`?: §2.1.4), or `green` (`worldline`: the self-contained bundle `darkmatter verify` checks offline). GET /api/v1/ledger/proofs/{inclusion,consistency}, /api/v1/worldlines/{id}/green/proof.",
    input: inputs.LedgerProofInput,
    access: "public",
    annotations: READ,
    request: (args, sent) =>
      args.proof === "green"
        ? { method: "GET", path: `/worldlines/${segment(String(args.worldline), "world line")}/green/proof` }
        : { method: "GET", path: `/ledger/proofs/${args.proof}`, query: without(sent, "proof") },
  },
  {
    name: "darkmatter_events_query",
    title: "Query the event log",
    description:
      "Events, newest first, filtered by `type` (exact or `<namespace>.*`), `severity` (one or a comma list), `worldline`, `agent`, `since` and `until` (ms or RFC 3339, inclusive). GET /api/v1/events.",
    input: inputs.EventsQueryInput,
    access: "operator",
    annotations: READ,
    request: (_, sent) => ({ method: "GET", path: "/events", query: sent }),
  },
  {
    name: "darkmatter_event_report",
    title: "Report events",
    description:
      "Queue 1–100 events. Reserved namespaces take only the system's types and data schemas; any other namespace (e.g. `sim.episode.finished`) carries free-form object data. Give your own `id`s to make a retry idempotent. POST /api/v1/events.",
    input: inputs.EventReportInput,
    access: "operator",
    annotations: ADDS,
    request: (_, sent) => ({ method: "POST", path: "/events", body: sent }),
  },
  {
    name: "darkmatter_task_list",
    title: "List squad tasks",
    description:
      "Squad tasks, newest first, filtered by status, squad, kind, origin or fingerprint. GET /api/v1/tasks.",
    input: inputs.TaskListInput,
    access: "operator",
    annotations: READ,
    request: (_, sent) => ({ method: "GET", path: "/tasks", query: sent }),
  },
  {
    name: "darkmatter_task_get",
    title: "Read a squad task",
    description: "One task with its history and every dispatch attempt. GET /api/v1/tasks/{id}.",
    input: inputs.TaskGetInput,
    access: "operator",
    annotations: READ,
    request: (args) => ({ method: "GET", path: `/tasks/${segment(String(args.id), "task")}` }),
  },
  {
    name: "darkmatter_task_create",
    title: "Create a squad task",
    description:
      "A task for the squads; it waits in `pending-approval` until the operator approves it (dashboard, CLI or API: approval is not an MCP tool). POST /api/v1/tasks.",
    input: inputs.TaskCreateInput,
    access: "operator",
    annotations: ADDS,
    request: (_, sent) => ({ method: "POST", path: "/tasks", body: sent }),
  },
  {
    name: "darkmatter_arbiter_status",
    title: "Arbiter status",
    description:
      "A world line's arbiter: T_Λ, genome, PID, last decision, journal size and root. GET /api/v1/worldlines/{id}/arbiter.",
    input: inputs.ArbiterStatusInput,
    access: "public",
    annotations: READ,
    request: (args) => ({ method: "GET", path: `${worldLine(args)}/arbiter` }),
  },
  {
    name: "darkmatter_telemetry_report",
    title: "Report telemetry to the arbiter",
    description:
      "Anomalies for the world line's arbiter; they accumulate until its next beat consumes them (and may raise an ALERT or QUARANTINE). POST /api/v1/worldlines/{id}/telemetry.",
    input: inputs.TelemetryReportInput,
    access: "operator",
    annotations: ADDS,
    request: (args, sent) => ({ method: "POST", path: `${worldLine(args)}/telemetry`, body: without(sent, "id") }),
  },
  {
    name: "darkmatter_halo_cycle",
    title: "Run a HALO cycle",
    description:
      "Read the recent events and state now, find the weak points and propose a `pending-approval` task for each new one (the operator approves them). Answers the cycle with its weak points. POST /api/v1/halo/cycles.",
    input: inputs.HaloCycleInput,
    access: "operator",
    annotations: ADDS,
    request: () => ({ method: "POST", path: "/halo/cycles" }),
  },
];
