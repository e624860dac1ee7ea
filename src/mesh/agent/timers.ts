// The agent's timers on one Durable Object alarm (mesh spec §16; the reference's interval loops):
// the inbox purge (one hour), auto-reactivation, pending requests expiring, and the §14.1 health
// checks of idle connections. What is due and when to wake next are decided in core
// (agent-timers.ts, availability.ts); this file performs them. Never setInterval.
import { setAlarmIfEarlier } from "../../core/alarm.js";
import { healthAfterPing, isIdleConnection, nextAgentWake } from "../../core/mesh/agent-timers.js";
import { reactivated } from "../../core/mesh/availability.js";
import { nextInboxExpiry, purgeInbox } from "../../core/mesh/inbox.js";
import { TIMEOUTS_SECONDS } from "../../core/mesh/limits.js";
import { meshEndpointUrl } from "../../core/mesh/url.js";
import { seconds, type MeshNode } from "./mesh-node.js";

/** The alarm: purge, expire, reactivate, check health, and arm the next wake-up. */
export async function runTimers(node: MeshNode): Promise<void> {
  if (!node.store.profile) return;
  const now = node.now();
  const { inbox } = purgeInbox(node.store.inbox, now);
  node.store.replaceInbox(inbox);
  node.store.expirePending(now);
  reactivateIfDue(node, now);
  await node.store.saveProfile();
  await checkHealth(node, now);
  await scheduleAlarm(node);
}

/** §16 auto-reactivation, in memory; the alarm or the next profile write persists it. */
export function reactivateIfDue(node: MeshNode, now: number): void {
  const profile = node.profile();
  const next = reactivated(profile, now);
  if (next) Object.assign(profile, next);
}

/** §14.1: a status ping to every idle connection; counters are changed in place and saved only for records nothing replaced meanwhile. */
async function checkHealth(node: MeshNode, now: number): Promise<void> {
  const idle = [...node.store.connections.values()].filter((c) => isIdleConnection(c, now));
  if (idle.length === 0) return;
  await Promise.all(
    idle.map(async (connection) => {
      const call = await node.transport(meshEndpointUrl(connection.agent_url, "status"), {
        method: "GET",
        timeoutMs: seconds(TIMEOUTS_SECONDS.healthStatus),
      });
      Object.assign(connection, healthAfterPing(connection, call.ok && call.status === 200, now));
    }),
  );
  node.store.saveConnections(idle);
}

/** Arms the alarm for the next timer with work, unless an earlier wake-up is armed already. */
export async function scheduleAlarm(node: MeshNode): Promise<void> {
  const profile = node.store.profile;
  if (!profile) return;
  const next = nextAgentWake({
    now: node.now(),
    inboxExpiry: nextInboxExpiry(node.store.inbox),
    inactiveUntil: profile.inactiveUntil,
    pendingExpiries: [...node.store.pending.values()].map((stored) => stored.expiresAt),
    hasConnections: node.store.connections.size > 0,
  });
  if (next === undefined) return;
  await setAlarmIfEarlier(node.alarm, next);
}
