// Who can be in a squad: agents the hub agent can send to — its connections — or agents hosted by
// this Worker, which are connected to the hub when a squad naming them is saved (the hub asks,
// the agent accepts: both in-process through their Durable Objects, as mesh spec §10.2 says).
import { atBody } from "../core/field-error.js";
import { DomainError, unwrap } from "../core/problem.js";
import { HUB_AGENT } from "../core/object-names.js";
import type { HostedAgent } from "../schemas/agents.js";
import { hostedAgent } from "../mesh/hub.js";
import { directoryStub } from "../stubs.js";

export interface HubView {
  hubId: string;
  connected: Set<string>;
}

/** The hub's id and connections; 503 when the hub is not configured (no DM_HUB_PASSPORT). */
export async function hubView(env: Env): Promise<HubView> {
  const hub = await hostedAgent(env, HUB_AGENT);
  const info = await hub.info();
  if (!info.ok)
    throw new DomainError("no-hub", "the hub agent does not exist: set DM_HUB_PASSPORT (npm start generates it)");
  const { connections } = unwrap(await hub.listConnections());
  return { hubId: info.value.agent_id, connected: new Set(connections.map((c) => c.agent_id)) };
}

/**
 * Checks every member before anything changes (422 naming each bad one by its JSON Pointer), then
 * connects the hub to the hosted members it is not connected to yet.
 */
export async function ensureMembersReachable(env: Env, members: string[], pointer = "/members"): Promise<void> {
  const hub = await hubView(env);
  const hosted = new Map<string, HostedAgent>(
    (await directoryStub(env).hostedAgents()).map((agent: HostedAgent) => [agent.agent_id, agent]),
  );
  const errors: Array<ReturnType<typeof atBody>> = [];
  const toConnect: HostedAgent[] = [];
  members.forEach((member, i) => {
    const at = `${pointer}/${i}`;
    if (member === hub.hubId) errors.push(atBody(at, "the hub sends the tasks; it cannot be a member of a squad"));
    else if (hub.connected.has(member)) return;
    else if (hosted.has(member)) toConnect.push(hosted.get(member)!);
    else
      errors.push(
        atBody(
          at,
          `agent ${member.slice(0, 16)}… is neither connected to the hub nor hosted here: connect the hub to it first (POST /api/v1/agents/hub/connections)`,
        ),
      );
  });
  if (errors.length)
    throw new DomainError("unknown-member", {
      detail: `${errors.length} member(s) cannot be reached through the hub: ${errors[0]!.message}`,
      errors,
    });
  for (const agent of toConnect) await connectToHub(env, agent);
}

async function connectToHub(env: Env, agent: HostedAgent): Promise<void> {
  const hub = await hostedAgent(env, HUB_AGENT);
  const requested = await hub.connection({ action: "request", target_url: agent.url });
  if (!requested.ok)
    throw new DomainError(
      "member-connect-failed",
      `the hub could not connect to ${agent.name}: ${requested.problem.detail}`,
    );
  if (!("request_id" in requested.value)) return; // connected at once
  const accepted = await (
    await hostedAgent(env, agent.name)
  ).connection({ action: "accept", request_id: String(requested.value.request_id) });
  if (!accepted.ok)
    throw new DomainError(
      "member-connect-failed",
      `${agent.name} did not accept the hub's connection: ${accepted.problem.detail}`,
    );
}
