// The zod contracts of src/schemas/mesh.ts against what the core emits and what peers send.
import { describe, expect, it } from "vitest";
import {
  acceptanceBody,
  anchorWellKnown,
  autoAcceptedReply,
  connectionRequestBody,
  expiredUpdate,
  forwardedUpdate,
  formatMeshTimestamp,
  lanBeacon,
  networkInfoDocument,
  newPassport,
  newSentMessage,
  nodeIdentity,
  nodeStatusDocument,
  nodeWellKnown,
  signedMessageBody,
  signedPeerUpdate,
  signedResponseUpdate,
  webhookStatusDocument,
} from "../../../src/core/mesh/index.js";
import { InboxMessage, SentMessage } from "../../../src/schemas/mesh-state.js";
import {
  ConnectionToolParams,
  SendMessageToolParams,
  SetRateLimitToolParams,
  toolArguments,
  UpdateBioToolParams,
} from "../../../src/schemas/mesh-tools.js";
import {
  AnchorWellKnown,
  ConnectionAcceptedBody,
  ConnectionAutoAcceptedReply,
  ConnectionRequestBody,
  LanBeacon,
  MessageBody,
  NetworkInfoDocument,
  NodeStatusDocument,
  NodeWellKnown,
  PeerUpdateBody,
  ReceivedMessageBody,
  WebhookStatusDocument,
  WebhookUpdateBody,
} from "../../../src/schemas/mesh.js";
import { T0 } from "./test-node.js";

const passport = newPassport();
const node = nodeIdentity(passport, {
  displayName: null,
  bio: "b",
  status: "inactive",
  publicUrl: "https://edge.example.com",
});

describe("mesh wire schemas", () => {
  it("accept every document and body the core emits, with exactly their keys", async () => {
    const timestamp = formatMeshTimestamp(T0);
    const emitted: Array<[{ parse(value: unknown): unknown }, unknown]> = [
      [NodeWellKnown, nodeWellKnown(node, { base: "https://edge.example.com", connectionCount: 0 })],
      [AnchorWellKnown, anchorWellKnown(0)],
      [NodeStatusDocument, nodeStatusDocument(node, 0)],
      [
        NetworkInfoDocument,
        networkInfoDocument(node, [{ agent_id: "p", agent_url: "http://p/mcp", agent_bio: "b" }], { isOperator: true }),
      ],
      [ConnectionRequestBody, connectionRequestBody(node, { mutual: true })],
      [ConnectionAutoAcceptedReply, autoAcceptedReply(node)],
      [ConnectionAcceptedBody, acceptanceBody(node)],
      [
        MessageBody,
        await signedMessageBody(passport, {
          message_id: "msg-000000000000",
          content: "c",
          webhook: "https://w",
          hops_remaining: 10,
          metadata: {},
          timestamp,
        }),
      ],
      [PeerUpdateBody, await signedPeerUpdate(passport, node.publicUrl, timestamp)],
      [
        WebhookUpdateBody,
        await signedResponseUpdate(passport, { message_id: "m", response: "r", metadata: {}, timestamp }),
      ],
      [WebhookUpdateBody, forwardedUpdate(passport.agentId, "t", null)],
      [WebhookUpdateBody, expiredUpdate(passport.agentId)],
      [
        WebhookStatusDocument,
        webhookStatusDocument(
          newSentMessage({ message_id: "m", content: "c", initial_hops: 1, routed_to: [], now: T0 }),
        ),
      ],
      [SentMessage, newSentMessage({ message_id: "m", content: "c", initial_hops: 1, routed_to: ["x"], now: T0 })],
      [LanBeacon, lanBeacon(node, { port: 8101, connectionCount: 0, now: T0 })],
    ];
    for (const [schema, value] of emitted) expect(schema.parse(value)).toEqual(value);
  });

  it("refuses extra keys in emitted documents, so a stray field is caught in tests", () => {
    expect(NodeStatusDocument.safeParse({ ...nodeStatusDocument(node, 0), extra: 1 }).success).toBe(false);
  });

  it("accepts what a Python peer sends: extra fields dropped, optional fields absent or null", () => {
    const received = ReceivedMessageBody.parse({
      message_id: "m",
      content: "c",
      webhook: "w",
      from_agent_id: "a",
      signature_hex: null,
      unexpected: true,
      hops_remaining: "x",
    });
    expect(received).not.toHaveProperty("unexpected");
    expect(received.signature_hex).toBeNull();
    expect(
      ConnectionRequestBody.parse({ from_agent_id: "a", from_agent_url: "u", from_agent_public_key_hex: null }),
    ).toEqual({ from_agent_id: "a", from_agent_url: "u", from_agent_public_key_hex: null });
  });

  it("describes the inbox entry a receipt produces", () => {
    expect(
      InboxMessage.safeParse({
        message_id: "m",
        content: "c",
        webhook: "w",
        hops_remaining: 10,
        metadata: {},
        from_agent_id: "a",
        verified: false,
        received_at: "t",
      }).success,
    ).toBe(true);
  });
});

describe("MCP tool parameters (§17)", () => {
  it("strips whitespace before checking lengths and refuses unknown fields on *strip* tools", () => {
    expect(UpdateBioToolParams.parse({ bio: `  ${"b".repeat(1000)}  ` }).bio).toHaveLength(1000);
    expect(UpdateBioToolParams.safeParse({ bio: "   " }).success).toBe(false);
    expect(UpdateBioToolParams.safeParse({ bio: "x", extra: 1 }).success).toBe(false);
    expect(ConnectionToolParams.safeParse({ action: "request" }).success).toBe(false);
    expect(ConnectionToolParams.parse({ action: "request", target_url: " http://h:8100/mcp " }).target_url).toBe(
      "http://h:8100/mcp",
    );
    expect(SetRateLimitToolParams.parse({ limit: -1, extra: true })).toEqual({ limit: -1 });
    expect(toolArguments(UpdateBioToolParams).parse({ params: { bio: "hi" } })).toEqual({ params: { bio: "hi" } });
  });

  it("wants exactly one of content or message_id on send, with hops from 1 to 50", () => {
    expect(SendMessageToolParams.parse({ content: "hi" })).toMatchObject({
      hops_remaining: 10,
      force: false,
      metadata: {},
    });
    expect(SendMessageToolParams.safeParse({ content: "hi", message_id: "msg-1" }).success).toBe(false);
    expect(SendMessageToolParams.safeParse({}).success).toBe(false);
    expect(SendMessageToolParams.safeParse({ content: "hi", hops_remaining: 51 }).success).toBe(false);
    expect(SendMessageToolParams.safeParse({ content: "\u{1F600}".repeat(65_536) }).success).toBe(true);
  });
});
