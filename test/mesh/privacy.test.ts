// Issue 12: an agent's connections are private (README), also on the two mesh endpoints the spec
// leaves open to anyone. network_info keeps its §8.9 keys but lists peers to the operator only;
// impression/{id} answers anonymous callers only about current connections (what peer_lookup
// confirms to anyone anyway), so peers' ask_impression keeps working.
import { describe, expect, it } from "vitest";
import { newPassport } from "../../src/core/mesh/passport.js";
import { NetworkInfoDocument } from "../../src/schemas/mesh.js";
import { api, OPERATOR_TOKEN } from "../api.js";
import { agentUrl, connect, connection, createAgent, mesh } from "./mesh-helpers.js";

const asOperator = { authorization: `Bearer ${OPERATOR_TOKEN}` };
const NETWORK_INFO_KEYS = [
  "accepting_connections",
  "agent_id",
  "agent_url",
  "bio",
  "display_name",
  "peers",
  "public_key_hex",
];

describe("mesh endpoints without the operator token", () => {
  it("network_info lists no peers (the hub's and a hosted agent's), with the §8.9 keys; the operator sees every connection", async () => {
    const hub = (await api("GET", "/api/v1/agents/hub")).body;
    const a = await createAgent("priv-a");
    const b = await createAgent("priv-b");
    const c = await createAgent("priv-c");
    await connect("priv-a", "priv-b");
    await connect("priv-a", "priv-c");
    await connect("hub", "priv-b");

    for (const [name, self, peers] of [
      ["priv-a", a, [b, c]],
      ["hub", hub, [b]],
    ] as const) {
      const path = `/agents/${name}/__darkmatter__/network_info`;
      for (const headers of [{}, { authorization: "Bearer not-the-token" }] as Record<string, string>[]) {
        const anonymous = await mesh("GET", path, undefined, headers);
        expect(anonymous.status).toBe(200);
        expect(Object.keys(anonymous.body).sort()).toEqual(NETWORK_INFO_KEYS);
        expect(NetworkInfoDocument.parse(anonymous.body)).toEqual({
          agent_id: self.agent_id,
          display_name: expect.any(String),
          public_key_hex: self.agent_id,
          agent_url: agentUrl(name),
          bio: expect.any(String),
          accepting_connections: true,
          peers: [],
        });
        const text = JSON.stringify(anonymous.body);
        for (const peer of peers) expect(text).not.toContain(peer.agent_id);
      }
      const operator = NetworkInfoDocument.parse((await mesh("GET", path, undefined, asOperator)).body);
      expect(operator.peers.map((p) => p.agent_id).sort()).toEqual(
        expect.arrayContaining(peers.map((p) => p.agent_id)),
      );
      expect(operator.peers.find((p) => p.agent_id === b.agent_id)).toMatchObject({
        agent_bio: "agent priv-b",
        agent_url: expect.stringContaining(agentUrl("priv-b")),
      });
    }
    // The root is the anchor (§9): it serves no network_info, so it cannot list the hub's peers.
    expect((await mesh("GET", "/__darkmatter__/network_info")).status).toBe(404);
    expect((await mesh("GET", `/__darkmatter__/impression/${b.agent_id}`)).status).toBe(404);
  });

  it("impression answers only about current connections; a peer's ask_impression still reads them", async () => {
    const peer = await createAgent("imp-peer");
    const asker = await createAgent("imp-asker");
    const former = await createAgent("imp-former");
    const stranger = newPassport().agentId;
    await connect("hub", "imp-peer");
    await connect("hub", "imp-asker");
    await connect("hub", "imp-former");
    for (const [about, text] of [
      [peer.agent_id, "reliable"],
      [stranger, "spams"],
      [former.agent_id, "went quiet"],
    ] as const) {
      expect((await api("PUT", `/api/v1/agents/hub/impressions/${about}`, { body: { impression: text } })).status).toBe(
        200,
      );
    }
    expect((await connection("hub", { action: "disconnect", agent_id: former.agent_id })).status).toBe(200);

    const read = async (about: string, headers: Record<string, string> = {}) => {
      const direct = await mesh("GET", `/agents/hub/__darkmatter__/impression/${about}`, undefined, headers);
      const alias = await mesh("GET", `/agents/hub/mcp/__darkmatter__/impression/${about}`, undefined, headers); // §7.2 alias, same answer
      expect(alias.body).toEqual(direct.body);
      return [direct.status, direct.body];
    };
    expect(await read(peer.agent_id)).toEqual([
      200,
      { agent_id: peer.agent_id, has_impression: true, impression: "reliable" },
    ]);
    expect(await read(stranger)).toEqual([200, { agent_id: stranger, has_impression: false }]);
    expect(await read(former.agent_id)).toEqual([200, { agent_id: former.agent_id, has_impression: false }]);
    expect(await read(stranger, { authorization: "Bearer not-the-token" })).toEqual([
      200,
      { agent_id: stranger, has_impression: false },
    ]);
    // The operator reads every impression it keeps, here and through the operator API.
    expect(await read(stranger, asOperator)).toEqual([
      200,
      { agent_id: stranger, has_impression: true, impression: "spams" },
    ]);
    expect(await read(former.agent_id, asOperator)).toEqual([
      200,
      { agent_id: former.agent_id, has_impression: true, impression: "went quiet" },
    ]);
    expect((await api("GET", `/api/v1/agents/hub/impressions/${stranger}`)).body).toEqual({
      agent_id: stranger,
      has_impression: true,
      impression: "spams",
    });

    // A connected peer asking the hub (darkmatter_ask_impression, an anonymous mesh GET) gets its impression of a connection, nothing else.
    const hub = (await api("GET", "/api/v1/agents/hub")).body;
    const asked = await api("POST", `/api/v1/agents/imp-asker/impressions/${peer.agent_id}/ask`, {
      body: { peer: hub.agent_id },
    });
    expect(asked.body).toMatchObject({ success: true, has_impression: true, impression: "reliable" });
    const unknown = await api("POST", `/api/v1/agents/imp-asker/impressions/${stranger}/ask`, {
      body: { peer: hub.agent_id },
    });
    expect(unknown.body).toMatchObject({ success: true, has_impression: false, impression: null });
  });
});
