// Issue 14: who may use /mcp. The operator token opens every tool; no token is an anonymous caller
// with the read-only tools over public data — exactly what the anonymous REST API shows, through
// every tool, resource, list and cursor; any other token is a 401 with WWW-Authenticate: Bearer.
import { beforeAll, describe, expect, it } from "vitest";
import { decodeCursor } from "../../src/stores/page-cursor.js";
import { api, createWorldLine } from "../api.js";
import { controlClient, call, result, toolError, workerFetch } from "./control-client.js";

const PUBLIC_TOOLS = [
  "darkmatter_arbiter_status",
  "darkmatter_ledger_entries",
  "darkmatter_ledger_proof",
  "darkmatter_ledger_status",
  "darkmatter_promotion_get",
  "darkmatter_worldline_commits",
  "darkmatter_worldline_diff",
  "darkmatter_worldline_get",
  "darkmatter_worldline_list",
  "darkmatter_worldline_state",
];

const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
});

const post = (headers: Record<string, string>, body = INITIALIZE, method = "POST") =>
  workerFetch("http://localhost/mcp", {
    method,
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: method === "POST" ? body : undefined,
  });

/** A world line id of the right form that names nothing. */
const NOBODY = "wl_00000000000000000000000000";

describe("/mcp credentials", { timeout: 60_000 }, () => {
  it("answers a wrong token with 401 and WWW-Authenticate: Bearer, on every method", async () => {
    for (const authorization of ["Bearer wrong-token", "Bearer ", "Basic dGVzdDp0ZXN0", "test-operator-token"]) {
      for (const method of ["POST", "GET", "DELETE"]) {
        const answer = await post({ authorization }, INITIALIZE, method);
        expect([answer.status, method, authorization]).toEqual([401, method, authorization]);
        expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
        expect(((await answer.json()) as { code: string }).code).toBe("unauthorized");
      }
    }
    await expect(controlClient("wrong-token")).rejects.toThrow(/401|unauthori[sz]ed/i);
  });

  it("serves a caller without a token (anonymous, not 401), and only over POST", async () => {
    const answer = await post({});
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as any).result.serverInfo.name).toBe("darkmatter-edge-control-plane");
    for (const method of ["GET", "DELETE"]) {
      const refused = await post({}, INITIALIZE, method);
      expect([refused.status, refused.headers.get("allow")]).toEqual([405, "POST"]);
      expect(((await refused.json()) as { code: string }).code).toBe("method-not-allowed");
    }
  });

  it("refuses a browser origin other than this Worker's or the dashboard's (403, against DNS rebinding)", async () => {
    for (const origin of ["http://evil.example", "http://localhost:9999"]) {
      const refused = await post({ origin });
      expect([refused.status, ((await refused.json()) as { code: string }).code]).toEqual([403, "origin-not-allowed"]);
    }
    for (const origin of ["http://localhost", "https://dashboard.test"])
      expect((await post({ origin })).status).toBe(200);
  });

  it("refuses a body over the limit unread (413)", async () => {
    const answer = await post({}, JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", pad: "x".repeat(300_000) }));
    expect(answer.status).toBe(413);
  });

  it("lists by the caller's credentials when anonymous and operator requests interleave (servers are reused)", async () => {
    const list = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    const lists = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const answer = await post(i % 2 ? { authorization: "Bearer test-operator-token" } : {}, list);
        const { result } = (await answer.json()) as { result: { tools: Array<{ name: string }> } };
        return result.tools.length;
      }),
    );
    const [anonymous, operator] = [lists[0]!, lists[1]!];
    expect(anonymous).toBe(PUBLIC_TOOLS.length);
    expect(operator).toBeGreaterThan(anonymous);
    expect(lists).toEqual(Array.from({ length: 12 }, (_, i) => (i % 2 ? operator : anonymous)));
  });

  it("lists only the read-only tools over public data without a token, and does not run a write tool", async () => {
    const client = await controlClient(null);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(PUBLIC_TOOLS);
    for (const tool of tools) expect(tool.annotations?.readOnlyHint, tool.name).toBe(true);
    const before = (await api("GET", "/api/v1/worldlines?limit=500")).body.items.length;
    expect(await toolError(client, "darkmatter_worldline_create", { name: "sneaky" })).toMatch(/not found/);
    expect(await toolError(client, "darkmatter_events_query")).toMatch(/not found/);
    expect((await api("GET", "/api/v1/worldlines?limit=500")).body.items.length).toBe(before);
  });
});

describe("anonymous reads over MCP", { timeout: 120_000 }, () => {
  let hidden: { id: string; head: string }; // private, with history, a proposal and ledger entries
  let secret: { id: string }; // p2p: not public either
  let open: { id: string }[];
  let hiddenProposal: string;

  beforeAll(async () => {
    hidden = await createWorldLine({ name: "hidden", entities: { reactor: { load: 1 } } });
    await api("PATCH", `/api/v1/worldlines/${hidden.id}/state`, {
      raw: JSON.stringify({ reactor: { load: 2 } }),
      headers: { "content-type": "application/merge-patch+json" },
    });
    hiddenProposal = (await api("POST", "/api/v1/promotions", { body: { kind: "promote", worldline: hidden.id } })).body
      .id;
    await api("POST", `/api/v1/worldlines/${hidden.id}/telemetry`, { body: { anoms: 1 } });
    // More public world lines than one resources/list page (100), with hidden ones between them.
    open = [];
    for (let batch = 0; batch < 6; batch++) {
      open.push(
        ...(await Promise.all(
          Array.from({ length: 18 }, (_, i) =>
            createWorldLine({ name: `open-${batch}-${i}`, privacy: i % 2 ? "full-public" : "public-network" }),
          ),
        )),
      );
      if (batch === 2) secret = await createWorldLine({ name: "secret", privacy: "p2p" });
    }
  }, 90_000);

  it("no tool shows a non-public world line: each answers as for one that does not exist", async () => {
    const client = await controlClient(null);
    for (const id of [hidden.id, secret.id]) {
      for (const [tool, args] of [
        ["darkmatter_worldline_get", {}],
        ["darkmatter_worldline_state", {}],
        ["darkmatter_worldline_commits", {}],
        ["darkmatter_worldline_diff", { from: "head" }],
        ["darkmatter_arbiter_status", {}],
      ] as const) {
        const refused = await toolError(client, tool, { id, ...args });
        expect(refused.replace(id, NOBODY), tool).toBe(await toolError(client, tool, { id: NOBODY, ...args }));
        expect(refused).toMatch(/does not exist or is not visible/);
      }
      const proof = await toolError(client, "darkmatter_ledger_proof", { proof: "green", worldline: id });
      expect(proof.replace(id, NOBODY)).toBe(
        await toolError(client, "darkmatter_ledger_proof", { proof: "green", worldline: NOBODY }),
      );
    }
    const proposal = await toolError(client, "darkmatter_promotion_get", { id: hiddenProposal });
    expect(proposal.replace(hiddenProposal, "pr_none")).toBe(
      await toolError(client, "darkmatter_promotion_get", { id: "pr_none" }),
    );

    const listed = await result(client, "darkmatter_worldline_list", { limit: 500 });
    expect(listed).toEqual((await api("GET", "/api/v1/worldlines?limit=500", { token: null })).body);
    expect(listed.items.map((line: { id: string }) => line.id)).not.toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`${hidden.id}|${secret.id}`))]),
    );

    const entries = await result(client, "darkmatter_ledger_entries", { limit: 1000 });
    expect(entries).toEqual((await api("GET", "/api/v1/ledger/entries?limit=1000", { token: null })).body);
    expect(JSON.stringify(entries)).not.toContain(hidden.id);
    const operatorEntries = (await api("GET", `/api/v1/ledger/entries?worldline=${hidden.id}`)).body.items;
    expect(operatorEntries.length).toBeGreaterThan(0); // there is something to hide
    expect((await result(client, "darkmatter_ledger_entries", { worldline: hidden.id })).items).toEqual([]);
  });

  it("resources: reading a non-public world line is not found, like one that does not exist", async () => {
    const client = await controlClient(null);
    for (const id of [hidden.id, secret.id]) {
      for (const suffix of ["", "/green", `/commits/${hidden.head}`]) {
        const uri = `darkmatter://worldlines/${id}${suffix}`;
        const refused = await client.readResource({ uri }).then(
          () => null,
          (error: Error & { code?: number }) => error,
        );
        expect(refused?.code, uri).toBe(-32002);
        const nobody = await client.readResource({ uri: uri.replace(id, NOBODY) }).catch((error: Error) => error);
        expect(refused!.message.replace(id, NOBODY)).toBe((nobody as Error).message);
      }
    }
  });

  it("resources/list pages over exactly the public world lines, and its cursors name none of the others", async () => {
    const client = await controlClient(null);
    const uris: string[] = [];
    const cursors: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listResources(cursor === undefined ? {} : { cursor });
      uris.push(...page.resources.map((resource) => resource.uri));
      cursor = page.nextCursor;
      if (cursor) cursors.push(cursor);
      expect(cursors.length).toBeLessThan(50);
    } while (cursor);
    expect(cursors.length).toBeGreaterThan(0); // more than one page
    const publicIds: string[] = [];
    let next: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; next: string | null } } = await api(
        "GET",
        `/api/v1/worldlines?limit=500${next ? `&cursor=${encodeURIComponent(next)}` : ""}`,
        { token: null },
      );
      publicIds.push(...page.body.items.map((line) => line.id));
      next = page.body.next;
    } while (next);
    expect(uris).toEqual(["darkmatter://ledger/checkpoint", ...publicIds.map((id) => `darkmatter://worldlines/${id}`)]);
    for (const line of open) expect(uris).toContain(`darkmatter://worldlines/${line.id}`);
    expect(uris.join()).not.toMatch(new RegExp(`${hidden.id}|${secret.id}`));
    const named = cursors.map((c) => decodeCursor(c)?.id);
    expect(named).not.toContain(hidden.id);
    expect(named).not.toContain(secret.id);

    // An operator's cursor handed to an anonymous caller still pages over public lines only.
    const operator = await controlClient();
    let operatorCursor: string | undefined;
    do {
      const page = await operator.listResources(operatorCursor === undefined ? {} : { cursor: operatorCursor });
      operatorCursor = page.nextCursor;
      if (operatorCursor) {
        const anonymous = await client.listResources({ cursor: operatorCursor });
        expect(anonymous.resources.map((resource) => resource.uri).join()).not.toMatch(
          new RegExp(`${hidden.id}|${secret.id}`),
        );
      }
    } while (operatorCursor);
  });

  it("the operator's token sees what anonymous callers do not", async () => {
    const client = await controlClient();
    expect((await result(client, "darkmatter_worldline_get", { id: hidden.id })).privacy).toBe("private");
    const read = await client.readResource({ uri: `darkmatter://worldlines/${hidden.id}` });
    expect(JSON.parse((read.contents[0] as { text: string }).text).state.entities).toEqual({ reactor: { load: 2 } });
    expect((await call(client, "darkmatter_promotion_get", { id: hiddenProposal })).isError).toBeFalsy();
  });
});
