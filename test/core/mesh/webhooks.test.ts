// §20 "Webhooks": the originator's webhook (§8.6, §8.7), responding (§11.4), forwarding with its
// pre-forward check and loop detection (§11.5), and the SSRF rule on webhook calls (§7.4).
import { describe, expect, it } from "vitest";
import {
  applyWebhookUpdate,
  checkWebhookTarget,
  forwardedMessageBody,
  MESSAGE_ID_PATTERN,
  newMessageId,
  newPassport,
  newSentMessage,
  parseJsonBody,
  planForward,
  verifyMessageSignature,
  verifyResponseUpdate,
  signedResponseUpdate,
  webhookProbeFrom,
  webhookStatusDocument,
  webhookStatusReply,
  webhookUrlFor,
  type WebhookProbe,
} from "../../../src/core/mesh/index.js";
import type { InboxMessage, SentMessage } from "../../../src/schemas/mesh-state.js";
import { T0 } from "./test-node.js";

const sent = (): SentMessage =>
  newSentMessage({ message_id: "msg-1ad11dff60da", content: "question", initial_hops: 2, routed_to: ["B"], now: T0 });
const post = (record: SentMessage | undefined, body: unknown, now = T0 + 1000) =>
  applyWebhookUpdate("msg-1ad11dff60da", record, { ok: true, value: body }, now);

describe("§20 Webhooks", () => {
  it("§20: the node's webhook URL for a sent message is P/__darkmatter__/webhook/<message_id>", () => {
    const id = newMessageId();
    expect(id).toMatch(MESSAGE_ID_PATTERN);
    expect(webhookUrlFor("https://edge.example.com", id)).toBe(`https://edge.example.com/__darkmatter__/webhook/${id}`);
  });

  it("§20: GET webhook of an unknown ID returns 404 No sent message with ID '<id>'", () => {
    expect(webhookStatusReply("msg-nope", undefined)).toMatchObject({
      status: 404,
      error: "No sent message with ID 'msg-nope'",
    });
  });

  it("§20: GET webhook returns exactly message_id, status, initial_hops, created_at, updates", () => {
    const document = webhookStatusDocument(sent());
    expect(Object.keys(document).sort()).toEqual(["created_at", "initial_hops", "message_id", "status", "updates"]);
    expect(document).toEqual({
      message_id: "msg-1ad11dff60da",
      status: "active",
      initial_hops: 2,
      created_at: "2026-02-25T21:30:07.123000+00:00",
      updates: [],
    });
  });

  it("§20: POST forwarded appends an update with the receiver's timestamp and returns {success:true, recorded:'forwarded'}", () => {
    const outcome = post(sent(), {
      type: "forwarded",
      agent_id: "B",
      target_agent_id: "C",
      note: "bouncing",
      timestamp: "1999-01-01T00:00:00+00:00",
    });
    expect(outcome.reply).toMatchObject({ status: 200, body: { success: true, recorded: "forwarded" } });
    expect(outcome.record!.updates).toEqual([
      {
        type: "forwarded",
        agent_id: "B",
        target_agent_id: "C",
        note: "bouncing",
        timestamp: "2026-02-25T21:30:08.123000+00:00",
      },
    ]);
  });

  it("§20: POST response sets status responded and returns recorded:'response', even after expiry", () => {
    const expired = { ...sent(), status: "expired" as const };
    const outcome = post(expired, {
      type: "response",
      agent_id: "B",
      response: "the answer",
      metadata: { as: "received" },
    });
    expect(outcome.reply).toMatchObject({ status: 200, body: { success: true, recorded: "response" } });
    expect(outcome.record!.status).toBe("responded");
    expect(outcome.record!.response).toEqual({
      agent_id: "B",
      response: "the answer",
      metadata: { as: "received" },
      timestamp: "2026-02-25T21:30:08.123000+00:00",
    });
    const later = post(outcome.record, { type: "response", agent_id: "C", response: "a later answer" });
    expect(later.record!.response).toMatchObject({ agent_id: "C", response: "a later answer", metadata: {} });
  });

  it("§20: POST expired appends an update and leaves the status unchanged", () => {
    const outcome = post(sent(), { type: "expired", agent_id: "B", note: "Message expired — no hops remaining." });
    expect(outcome.reply).toMatchObject({ status: 200, body: { success: true, recorded: "expired" } });
    expect(outcome.record!.status).toBe("active");
    expect(outcome.record!.updates).toHaveLength(1);
  });

  it("§20: POST with an unknown type returns 400 Unknown update type: '<type>'", () => {
    expect(post(sent(), { type: "teleported" }).reply).toMatchObject({
      status: 400,
      error: "Unknown update type: 'teleported'",
    });
    expect(post(sent(), {}).reply).toMatchObject({ error: "Unknown update type: ''" });
    expect(post(sent(), { type: null }).reply).toMatchObject({ error: "Unknown update type: 'None'" });
  });

  it("answers a webhook POST for an unknown message 404 before looking at the body, then invalid JSON 400 (§8.6 order)", () => {
    expect(applyWebhookUpdate("msg-x", undefined, parseJsonBody("{oops"), T0).reply).toMatchObject({ status: 404 });
    expect(applyWebhookUpdate("msg-x", sent(), parseJsonBody("{oops"), T0).reply).toMatchObject({
      status: 400,
      error: "Invalid JSON body",
    });
  });

  it("defaults agent_id to 'unknown' only when it is absent", () => {
    expect(post(sent(), { type: "forwarded" }).record!.updates[0]).toMatchObject({
      agent_id: "unknown",
      target_agent_id: "",
      note: null,
    });
    expect(post(sent(), { type: "forwarded", agent_id: null }).record!.updates[0]).toMatchObject({ agent_id: null });
  });

  it("§20: the node's response POST body has type, agent_id, response, metadata, timestamp, from_public_key_hex, signature_hex and the signature verifies over the response text", async () => {
    const responder = newPassport();
    const body = await signedResponseUpdate(responder, {
      message_id: "msg-1ad11dff60da",
      response: "the answer ✓",
      metadata: { as: "received" },
      timestamp: "2026-02-25T21:30:07.123456+00:00",
    });
    expect(Object.keys(body).sort()).toEqual([
      "agent_id",
      "from_public_key_hex",
      "metadata",
      "response",
      "signature_hex",
      "timestamp",
      "type",
    ]);
    expect(body).toMatchObject({
      type: "response",
      agent_id: responder.agentId,
      from_public_key_hex: responder.publicKeyHex,
    });
    const fields = {
      fromAgentId: responder.agentId,
      messageId: "msg-1ad11dff60da",
      timestamp: body.timestamp,
      content: "the answer ✓",
    };
    expect(await verifyMessageSignature(responder.publicKeyHex, fields, body.signature_hex)).toBe(true);
    expect(await verifyResponseUpdate("msg-1ad11dff60da", body)).toBe(true);
    expect(await verifyResponseUpdate("msg-1ad11dff60da", { ...body, response: "forged" })).toBe(false);
  });
});

const held = (hops: number): InboxMessage => ({
  message_id: "msg-1ad11dff60da",
  content: "question",
  webhook: "https://origin.example.com/__darkmatter__/webhook/msg-1ad11dff60da",
  hops_remaining: hops,
  metadata: { topic: "x" },
  from_agent_id: "A",
  verified: true,
  received_at: "2026-02-25T21:30:07+00:00",
});
const statusProbe = (status: string, updates: unknown[] = []): WebhookProbe =>
  webhookProbeFrom(200, { message_id: "m", status, initial_hops: 2, created_at: "x", updates });

describe("§20 Webhooks: forwarding", () => {
  it("§20: before forwarding, the node refuses (and drops the message) if the webhook status is expired or responded", () => {
    for (const status of ["expired", "responded"] as const) {
      const plan = planForward({
        held: held(5),
        targets: ["C"],
        force: false,
        probe: statusProbe(status),
        selfId: "B",
      });
      expect(plan).toMatchObject({ kind: "refused", reason: status, isRemovedFromInbox: true });
    }
  });

  it("§20: a forward to a target already listed as a target_agent_id in updates is refused unless force", () => {
    const probe = statusProbe("active", [
      { type: "forwarded", agent_id: "B", target_agent_id: "C", note: null, timestamp: "t" },
    ]);
    expect(planForward({ held: held(5), targets: ["D", "C"], force: false, probe, selfId: "B" })).toMatchObject({
      kind: "refused",
      reason: "loop",
      target: "C",
      isRemovedFromInbox: false,
    });
    expect(planForward({ held: held(5), targets: ["D", "C"], force: true, probe, selfId: "B" })).toMatchObject({
      kind: "forward",
      targets: ["D", "C"],
    });
  });

  it("does not detect forwarding back to the originator or to an agent seen only as a forwarder (§11.5 QUIRK)", () => {
    const probe = statusProbe("active", [
      { type: "forwarded", agent_id: "B", target_agent_id: "C", note: null, timestamp: "t" },
    ]);
    expect(planForward({ held: held(5), targets: ["A", "B"], force: false, probe, selfId: "C" }).kind).toBe("forward");
  });

  it("skips both checks when the status GET fails or answers non-200 (fail-open)", () => {
    expect(webhookProbeFrom(404, { error: "No sent message" })).toEqual({ kind: "failed" });
    expect(webhookProbeFrom(200, "<html>")).toEqual({ kind: "failed" });
    expect(
      planForward({ held: held(5), targets: ["C"], force: false, probe: { kind: "failed" }, selfId: "B" }).kind,
    ).toBe("forward");
  });

  it("§20: the forwarded body carries hops_remaining = held − 1, from_agent_id = forwarder, the original webhook, and a forwarder signature", async () => {
    const forwarder = newPassport();
    const plan = planForward({
      held: held(1),
      targets: ["C", "D"],
      force: false,
      probe: statusProbe("active"),
      selfId: forwarder.agentId,
      note: "fork",
    });
    expect(plan).toMatchObject({ kind: "forward", hopsRemaining: 0 });
    if (plan.kind !== "forward") throw new Error("expected a forward");
    expect(plan.forwardedUpdates).toEqual([
      { type: "forwarded", agent_id: forwarder.agentId, target_agent_id: "C", note: "fork" },
      { type: "forwarded", agent_id: forwarder.agentId, target_agent_id: "D", note: "fork" },
    ]);
    const body = await forwardedMessageBody(forwarder, held(1), plan.hopsRemaining, "2026-02-25T21:31:00+00:00");
    expect(body).toMatchObject({
      message_id: "msg-1ad11dff60da",
      content: "question",
      webhook: held(1).webhook,
      hops_remaining: 0,
      from_agent_id: forwarder.agentId,
      metadata: { topic: "x" },
    });
    const fields = {
      fromAgentId: forwarder.agentId,
      messageId: body.message_id,
      timestamp: body.timestamp,
      content: body.content,
    };
    expect(await verifyMessageSignature(forwarder.publicKeyHex, fields, body.signature_hex)).toBe(true);
  });

  it("§20: forwarding a message held with hops_remaining 0 posts an expired update and removes it", () => {
    expect(
      planForward({ held: held(0), targets: ["C"], force: false, probe: statusProbe("active"), selfId: "B" }),
    ).toEqual({
      kind: "expired",
      isRemovedFromInbox: true,
      expiredUpdate: { type: "expired", agent_id: "B", note: "Message expired — no hops remaining." },
      error: "Message expired — no hops remaining.",
    });
  });

  it("plans no webhook updates when the webhook was blocked by the SSRF rule, and still forwards (§7.4)", () => {
    expect(
      planForward({ held: held(3), targets: ["C"], force: false, probe: { kind: "skipped" }, selfId: "B" }),
    ).toEqual({ kind: "forward", hopsRemaining: 2, targets: ["C"] });
    expect(
      planForward({ held: held(0), targets: ["C"], force: false, probe: { kind: "skipped" }, selfId: "B" }),
    ).not.toHaveProperty("expiredUpdate");
  });

  it("§20: the node does not call a webhook on a private IP unless its origin matches its own P or a connected peer's URL", () => {
    const trust = { ownPublicUrl: "http://127.0.0.1:8101", peerUrls: ["http://192.168.1.20:8102/mcp"] };
    const blocked = { isAllowed: false, error: "Webhook URL must not target private or link-local IP addresses." };
    expect(checkWebhookTarget("http://10.0.0.5/__darkmatter__/webhook/msg-1", trust)).toEqual(blocked);
    expect(checkWebhookTarget("http://192.168.1.20:8102/__darkmatter__/webhook/msg-1", trust)).toEqual({
      isAllowed: true,
      reason: "known-peer",
    });
    expect(checkWebhookTarget("http://127.0.0.1:8101/__darkmatter__/webhook/msg-1", trust)).toEqual({
      isAllowed: true,
      reason: "known-peer",
    });
    expect(checkWebhookTarget("http://192.168.1.20:9999/__darkmatter__/webhook/msg-1", trust)).toEqual(blocked);
    expect(checkWebhookTarget("http://192.168.1.20:8102/admin", trust)).toEqual(blocked);
    expect(checkWebhookTarget("https://origin.example.com/__darkmatter__/webhook/msg-1", trust)).toEqual({
      isAllowed: true,
      reason: "public-host",
    });
  });
});
