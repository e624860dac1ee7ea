// The rules a hosted agent's Durable Object runs by (mesh spec §16 status and timers, §14.1 health,
// §11.1 / §11.5 targets), as the pure functions the Agent DO calls (src/mesh/agent/).
import { describe, expect, it } from "vitest";
import { alarmToSet } from "../../../src/core/alarm.js";
import {
  availabilityFor,
  healthAfterPing,
  isIdleConnection,
  nextAgentWake,
  reactivated,
  resolveForwardTargets,
  sendTargets,
} from "../../../src/core/mesh/index.js";
import { T0 } from "./test-node.js";

const idle = { now: T0, inboxExpiry: undefined, inactiveUntil: null, pendingExpiries: [], hasConnections: false };

describe("§16 status", () => {
  it("goes inactive for 60 minutes unless told otherwise, and active with no reactivation time", () => {
    expect(availabilityFor({ active: false }, T0)).toEqual({ status: "inactive", inactiveUntil: T0 + 3_600_000 });
    expect(availabilityFor({ active: false, duration_minutes: 5 }, T0)).toEqual({
      status: "inactive",
      inactiveUntil: T0 + 300_000,
    });
    expect(availabilityFor({ active: true, duration_minutes: 5 }, T0)).toEqual({
      status: "active",
      inactiveUntil: null,
    });
  });

  it("reactivates once the reactivation time is reached, not before, and leaves an active agent alone", () => {
    const inactive = { status: "inactive" as const, inactiveUntil: T0 };
    expect(reactivated(inactive, T0 - 1)).toBeUndefined();
    expect(reactivated(inactive, T0)).toEqual({ status: "active", inactiveUntil: null });
    expect(reactivated({ status: "active", inactiveUntil: null }, T0)).toBeUndefined();
    expect(reactivated({ status: "inactive", inactiveUntil: null }, T0)).toBeUndefined();
  });
});

describe("§16 timers on one alarm", () => {
  it("sleeps when no timer has work", () => {
    expect(nextAgentWake(idle)).toBeUndefined();
  });

  it("wakes for the earliest of inbox expiry, reactivation, pending expiry and the health loop", () => {
    expect(
      nextAgentWake({
        ...idle,
        inboxExpiry: T0 + 50_000,
        inactiveUntil: T0 + 40_000,
        pendingExpiries: [T0 + 30_000, T0 + 20_000],
      }),
    ).toBe(T0 + 20_000);
    expect(nextAgentWake({ ...idle, inboxExpiry: T0 + 90_000, hasConnections: true })).toBe(T0 + 60_000);
  });

  it("never arms closer than a second from now", () => {
    expect(nextAgentWake({ ...idle, inboxExpiry: T0 - 5_000 })).toBe(T0 + 1000);
  });

  it("moves an armed alarm only earlier", () => {
    expect(alarmToSet(null, T0)).toBe(T0);
    expect(alarmToSet(T0 + 1, T0)).toBe(T0);
    expect(alarmToSet(T0, T0)).toBeUndefined();
    expect(alarmToSet(T0 - 1, T0)).toBeUndefined();
  });
});

describe("§14.1 health loop", () => {
  it("pings connections with no activity yet or none for 300 s", () => {
    expect(isIdleConnection({ last_activity: null }, T0)).toBe(true);
    expect(isIdleConnection({ last_activity: T0 - 300_000 }, T0)).toBe(false);
    expect(isIdleConnection({ last_activity: T0 - 300_001 }, T0)).toBe(true);
  });

  it("resets the failure counter on a 200 (recording the activity) and counts a failure otherwise", () => {
    expect(healthAfterPing({ health_failures: 2, last_activity: null }, true, T0)).toEqual({
      health_failures: 0,
      last_activity: T0,
    });
    expect(healthAfterPing({ health_failures: 2, last_activity: T0 - 400_000 }, false, T0)).toEqual({
      health_failures: 3,
      last_activity: T0 - 400_000,
    });
  });
});

describe("§11.1 and §11.5 targets", () => {
  const connected = ["a", "b", "c"];

  it("sends to the named connections once each, to the one named, or to every connection", () => {
    expect(sendTargets({ target_agent_ids: ["b", "a", "b"] }, connected)).toEqual({ targets: ["b", "a"] });
    expect(sendTargets({ target_agent_ids: ["a", "x"], target_agent_id: "b" }, connected)).toEqual({
      unknownTarget: "x",
    });
    expect(sendTargets({ target_agent_ids: [], target_agent_id: "b" }, connected)).toEqual({ targets: ["b"] });
    expect(sendTargets({ target_agent_id: "x" }, connected)).toEqual({ unknownTarget: "x" });
    expect(sendTargets({}, connected)).toEqual({ targets: connected });
    expect(sendTargets({}, [])).toEqual({ targets: [] });
  });

  it("forwards only to named, connected targets, target_agent_ids first", () => {
    const isConnected = (id: string) => connected.includes(id);
    expect(resolveForwardTargets({}, isConnected)).toEqual({ isUnnamed: true });
    expect(resolveForwardTargets({ target_agent_ids: ["c", "a"], target_agent_id: "b" }, isConnected)).toEqual({
      targets: ["c", "a"],
    });
    expect(resolveForwardTargets({ target_agent_id: "x" }, isConnected)).toEqual({ unknownTarget: "x" });
  });
});
