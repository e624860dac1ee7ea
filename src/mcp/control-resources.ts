// The control plane's MCP resources (MCP 2025-11-25 "Resources"): a world line's state at its head,
// at a commit or at green, and the ledger's signed checkpoint. Read through the REST API like the
// tools (control-rest.ts), so a world line the caller may not read over REST is not found here
// either, and `resources/list` pages over exactly the world lines GET /api/v1/worldlines lists to
// the caller, its cursor being that list's cursor.
//
// Installed on the low-level server, not through McpServer.registerResource: the SDK's own
// `resources/list` handler gathers every template's list in one answer and ignores `cursor`.
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import {
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type ReadResourceResult,
  type Resource,
} from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import { DomainError } from "../core/problem.js";
import type { State, WorldLine } from "../schemas/worldline.js";
import { segment, type Rest } from "./control-rest.js";

/** MCP 2025-11-25 "Resources" § Error Handling: resource not found. */
const RESOURCE_NOT_FOUND = -32002;
/** World lines per `resources/list` page; the REST list's largest page is 500. */
const LIST_PAGE = 100;
/** Entities per read: the REST state page's largest (it also stops at about 4 MiB of JSON). */
const STATE_PAGE = 500;

export const CHECKPOINT_URI = "darkmatter://ledger/checkpoint";
export const worldLineUri = (id: string) => `darkmatter://worldlines/${encodeURIComponent(id)}`;

const TEMPLATES = [
  {
    uriTemplate: "darkmatter://worldlines/{id}",
    name: "worldline",
    title: "World line at its head",
    description:
      "The world line and one page of its entities at the head; `nextUri` reads the next page of the same commit.",
  },
  {
    uriTemplate: "darkmatter://worldlines/{id}/commits/{commit}",
    name: "worldline-commit",
    title: "World line at a commit",
    description: "The world line and one page of its entities at a commit of its history (append ?cursor=<next>).",
  },
  {
    uriTemplate: "darkmatter://worldlines/{id}/green",
    name: "worldline-green",
    title: "World line at green",
    description: "The world line and one page of its entities at its green (promoted) commit.",
  },
].map((template) => ({ ...template, mimeType: "application/json" }));

const CHECKPOINT: Resource = {
  uri: CHECKPOINT_URI,
  name: "ledger-checkpoint",
  title: "Ledger checkpoint",
  description: "The consensus ledger's signed checkpoint (C2SP tlog-checkpoint note: origin, size, root, signature)",
  mimeType: "text/plain",
};

export function installResources(server: McpServer, rest: Rest): void {
  const low = server.server;
  low.registerCapabilities({ resources: {} });

  low.setRequestHandler(ListResourcesRequestSchema, async (request) => {
    const cursor = request.params?.cursor;
    const page = (await asMcp(() =>
      rest({ method: "GET", path: "/worldlines", query: { cursor, limit: LIST_PAGE } }),
    )) as { items: WorldLine[]; next: string | null };
    const resources: Resource[] = page.items.map((line) => ({
      uri: worldLineUri(line.id),
      name: line.name,
      title: line.name,
      description: `${line.color} ${line.status} world line (${line.privacy}); head ${line.head}${line.green ? `, green ${line.green}` : ""}`,
      mimeType: "application/json",
    }));
    return {
      resources: cursor === undefined ? [CHECKPOINT, ...resources] : resources,
      ...(page.next && { nextCursor: page.next }),
    };
  });

  low.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: TEMPLATES }));

  low.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    const uri = request.params.uri;
    if (uri === CHECKPOINT_URI) {
      const text = (await asMcp(() => rest({ method: "GET", path: "/ledger/checkpoint" }))) as string;
      return { contents: [{ uri, mimeType: "text/plain", text }] };
    }
    const target = parseWorldLineUri(uri);
    if (!target) throw new McpError(RESOURCE_NOT_FOUND, `no resource ${uri}; see resources/templates/list`, { uri });
    return asMcp(() => readWorldLine(rest, uri, target));
  });
}

interface WorldLineTarget {
  id: string;
  /** A commit hash, or `head` / `green`, as the REST `at` takes it. */
  at: string;
  cursor?: string;
}

/** `darkmatter://worldlines/{id}[/green | /commits/{commit}][?cursor=…]`, or null. */
export function parseWorldLineUri(uri: string): WorldLineTarget | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  if (url.protocol !== "darkmatter:" || url.host !== "worldlines") return null;
  const parts = url.pathname.split("/").slice(1).map(decodeURIComponent);
  const cursor = url.searchParams.get("cursor") ?? undefined;
  const [id, kind, commit, ...rest] = parts;
  if (!id || rest.length) return null;
  if (kind === undefined) return { id, at: "head", cursor };
  if (kind === "green" && commit === undefined) return { id, at: "green", cursor };
  if (kind === "commits" && commit) return { id, at: commit, cursor };
  return null;
}

async function readWorldLine(rest: Rest, uri: string, target: WorldLineTarget): Promise<ReadResourceResult> {
  const path = `/worldlines/${segment(target.id, "world line")}`;
  const worldline = await rest({ method: "GET", path });
  const state = (await rest({
    method: "GET",
    path: `${path}/state`,
    query: { at: target.at, cursor: target.cursor, limit: STATE_PAGE },
  })) as z.infer<typeof State>;
  // The next page pins the commit this one was read at, so paging holds still while the head moves.
  const nextUri = state.next
    ? `${worldLineUri(target.id)}/commits/${state.commit}?cursor=${encodeURIComponent(state.next)}`
    : null;
  const text = JSON.stringify({ worldline, state, nextUri }, null, 2);
  return { contents: [{ uri, mimeType: "application/json", text }] };
}

/** A REST refusal as a JSON-RPC error: not found (also what a hidden world line is), bad params, or ours. */
async function asMcp<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const code =
      error.status === 404
        ? RESOURCE_NOT_FOUND
        : error.status < 500
          ? ErrorCode.InvalidParams
          : ErrorCode.InternalError;
    throw new McpError(code, error.fields.detail, { status: error.status, code: error.code });
  }
}
