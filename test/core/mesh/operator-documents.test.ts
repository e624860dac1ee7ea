// The §17 documents an agent's MCP tools answer that are built by pure functions: the live status
// line, the discovery documents, the sent-message summaries, and the agent token's stored form.
import { describe, expect, it } from "vitest";
import { agentTokenHash, issueAgentToken, matchesAgentToken } from "../../../src/core/agent-token.js";
import { discoveryResult, localDiscovery, wellKnownUrls } from "../../../src/core/mesh/discovery.js";
import { DEFAULT_BIO } from "../../../src/core/mesh/limits.js";
import { sentSummary } from "../../../src/core/mesh/sent-message.js";
import { statusLine, type StatusSnapshot } from "../../../src/core/mesh/status-line.js";
import { formatMeshTimestamp } from "../../../src/core/mesh/timestamp.js";

const now = Date.parse("2026-03-01T12:00:00Z");
const snapshot = (overrides: Partial<StatusSnapshot> = {}): StatusSnapshot => ({
  agentId: "a".repeat(64),
  status: "active",
  inactiveUntil: null,
  bio: "I answer questions about Mars.",
  connections: [{ agent_id: "b".repeat(64), agent_display_name: "bob" }],
  maxConnections: 50,
  pendingRequests: 0,
  inbox: [],
  messagesHandled: 3,
  awaitingResponse: 0,
  now,
  ...overrides,
});

describe("the darkmatter_status line", () => {
  it("is all clear when there is nothing to do", () => {
    expect(statusLine(snapshot())).toBe(
      `Agent: ${"a".repeat(64)} | Status: active | Connections: 1/50 (bob) | Inbox: 0 | Handled: 3 | Pending requests: 0\n\n` +
        "All clear: inbox empty, no pending requests.",
    );
  });

  it("lists one ACTION per thing to do, the most urgent first", () => {
    const line = statusLine(
      snapshot({
        status: "inactive",
        inactiveUntil: now + 90_000,
        bio: DEFAULT_BIO,
        connections: [],
        pendingRequests: 2,
        awaitingResponse: 1,
        inbox: [
          { received_at: formatMeshTimestamp(now - 55 * 60_000) }, // purged in 5 minutes
          { received_at: formatMeshTimestamp(now - 5 * 60_000) },
        ],
      }),
    );
    const actions = line.split("\n").filter((l) => l.startsWith("ACTION: "));
    expect(actions.map((a) => a.slice("ACTION: ".length, "ACTION: ".length + 22))).toEqual([
      "you are inactive for 2",
      "1 inbox message(s) wil",
      "2 agent(s) want to con",
      "2 message(s) in your i",
      "1 sent message(s) awai",
      "no connections yet: da",
      "your bio is the defaul",
    ]);
  });

  it("names ten peers and counts the rest", () => {
    const connections = Array.from({ length: 12 }, (_, i) => ({
      agent_id: `${i}`.padStart(64, "0"),
      agent_display_name: `p${i}`,
    }));
    expect(statusLine(snapshot({ connections }))).toContain(
      "Connections: 12/50 (p0, p1, p2, p3, p4, p5, p6, p7, p8, p9 and 2 more)",
    );
  });
});

describe("discovery documents (§13)", () => {
  it("builds the well-known URL as the reference does: https with an http retry, or the given scheme as written", () => {
    expect(wellKnownUrls("  example.com/ ")).toEqual({
      url: "https://example.com/.well-known/darkmatter.json",
      retryUrl: "http://example.com/.well-known/darkmatter.json",
    });
    expect(wellKnownUrls("http://h:8101//")).toEqual({ url: "http://h:8101/.well-known/darkmatter.json" });
  });

  it("finds a node only on a 200 JSON object with a truthy darkmatter", () => {
    expect(discoveryResult(404, {})).toEqual({ found: false, error: "HTTP 404" });
    expect(discoveryResult(200, [1])).toEqual({ found: false, error: "Response is not a JSON object." });
    expect(discoveryResult(200, { darkmatter: 0 })).toEqual({
      found: false,
      error: "Response missing 'darkmatter: true'.",
    });
    expect(discoveryResult(200, { darkmatter: true, agent_id: "x" })).toEqual({
      found: true,
      darkmatter: true,
      agent_id: "x",
    });
  });

  it("lists hosted agents and anchor registrations once each, never the asking agent", () => {
    const local = localDiscovery({
      selfAgentId: "self",
      hosted: [
        { name: "me", agent_id: "self", url: "http://h/agents/me" },
        { name: "bob", agent_id: "bob-id", url: "http://h/agents/bob" },
      ],
      registrations: [
        { agent_id: "bob-id", url: "http://elsewhere", public_key_hex: "bob-id", last_seen: 1 },
        { agent_id: "self", url: "http://h/agents/me", public_key_hex: "self", last_seen: 1 },
        { agent_id: "far", url: "https://far.example", public_key_hex: "far", last_seen: 2 },
      ],
      now,
    });
    expect(local.discovery_enabled).toBe(false);
    expect(local.peers).toEqual([
      { agent_id: "bob-id", url: "http://h/agents/bob", source: "hosted", name: "bob", last_seen: now / 1000 },
      { agent_id: "far", url: "https://far.example", source: "anchor", last_seen: 2 },
    ]);
    expect(local.total).toBe(2);
  });
});

describe("sent-message summaries and agent tokens", () => {
  it("cuts content at 200 code points and counts forwards", () => {
    const summary = sentSummary({
      message_id: "msg-000000000001",
      content: "😀".repeat(201),
      status: "active",
      initial_hops: 10,
      routed_to: [],
      created_at: formatMeshTimestamp(now),
      updates: [
        { type: "forwarded", agent_id: "b", target_agent_id: "c", note: null, timestamp: formatMeshTimestamp(now) },
      ] as never,
      response: null,
    });
    expect(summary).toMatchObject({ content: "😀".repeat(200) + "...", forwarding_count: 1, updates_count: 1 });
  });

  it("issues 256-bit tokens and matches only the one whose hash is stored", () => {
    const { token, hash } = issueAgentToken();
    expect(token).toMatch(/^dmagent_[0-9a-f]{64}$/);
    expect(hash).toBe(agentTokenHash(token));
    expect(hash).not.toContain(token.slice(8));
    expect(matchesAgentToken(token, hash)).toBe(true);
    expect(matchesAgentToken(issueAgentToken().token, hash)).toBe(false);
    expect(matchesAgentToken(token, null)).toBe(false);
    expect(matchesAgentToken(null, hash)).toBe(false);
  });
});
