// One typed accessor per Durable Object: the only place that turns a binding and a name into a
// stub. Everyone else (routes, services, other objects) asks here and imports object classes as
// types only, so the runtime stays at the edges (issue 13; the import rule is in
// .dependency-cruiser.cjs). An accessor validates what names an object when a malformed name
// cannot name one (a 404, and no object is created for it) and creates nothing else: making the
// hub on first use is src/mesh/hub.ts's job, said by its name.
import type { Agent } from "../durable-objects/agent.js";
import type { ApiRollup } from "../durable-objects/api-rollup.js";
import type { Arbiter } from "../durable-objects/arbiter.js";
import type { Directory } from "../durable-objects/directory.js";
import type { Dispatcher } from "../durable-objects/dispatcher.js";
import type { Halo } from "../durable-objects/halo.js";
import type { Ledger } from "../durable-objects/ledger.js";
import type { Live } from "../durable-objects/live.js";
import type { WorldLine } from "../durable-objects/world-line.js";
import { AgentName } from "./schemas/agents.js";
import { WorldLineId } from "./schemas/worldline.js";
import { DomainError, notFound } from "./core/problem.js";
import {
  apiRollupName,
  DIRECTORY_NAME,
  DISPATCHER_NAME,
  HALO_NAME,
  LEDGER_NAME,
  LIVE_NAME,
  type RouteKey,
} from "./core/object-names.js";

/**
 * An object's RPC surface with the class's own method types: workers-types' `DurableObjectStub`
 * maps every return type through its `Rpc` serialisation types, which give up on our recursive
 * JSON types, so each accessor casts once, here, to what the class itself declares.
 */
export type ObjectRpc<T> = Omit<T, "alarm" | "webSocketMessage" | "webSocketClose" | "webSocketError">;

export type WorldLineRpc = ObjectRpc<WorldLine>;
export type LedgerRpc = ObjectRpc<Ledger>;
export type ArbiterRpc = ObjectRpc<Arbiter>;
export type AgentRpc = ObjectRpc<Agent>;
export type DirectoryRpc = ObjectRpc<Directory>;
export type DispatcherRpc = ObjectRpc<Dispatcher>;
export type HaloRpc = ObjectRpc<Halo>;
export type LiveRpc = ObjectRpc<Live>;
export type ApiRollupRpc = ObjectRpc<ApiRollup>;

/** The WorldLine object for an id; a malformed id cannot name a world line, so it is a 404. */
export function worldLineStub(env: Env, id: string): WorldLineRpc {
  if (!WorldLineId.safeParse(id).success) throw notFound("world line");
  return env.WORLDLINE.getByName(id) as unknown as WorldLineRpc;
}

/** The Durable Object id of a world line, as the ledger records it beside a proposal. */
export const worldLineObjectId = (env: Env, id: string): string => env.WORLDLINE.idFromName(id).toString();

/** A world line's arbiter: one object per world line, named by the world line's id. */
export function arbiterStub(env: Env, worldline: string): ArbiterRpc {
  if (!WorldLineId.safeParse(worldline).success) throw notFound("world line");
  return env.ARBITER.getByName(worldline) as unknown as ArbiterRpc;
}

/** The Agent object of a hosted agent's name; a name that cannot exist is a 404. */
export function agentStub(env: Env, name: string): AgentRpc {
  if (!AgentName.safeParse(name).success)
    throw new DomainError("not-found", `agent "${name.slice(0, 64)}" does not exist`);
  return env.AGENT.getByName(name) as unknown as AgentRpc;
}

export const ledgerStub = (env: Env): LedgerRpc => env.LEDGER.getByName(LEDGER_NAME) as unknown as LedgerRpc;

export const directoryStub = (env: Env): DirectoryRpc =>
  env.DIRECTORY.getByName(DIRECTORY_NAME) as unknown as DirectoryRpc;

export const dispatcherStub = (env: Env): DispatcherRpc =>
  env.DISPATCHER.getByName(DISPATCHER_NAME) as unknown as DispatcherRpc;

export const haloStub = (env: Env): HaloRpc => env.HALO.getByName(HALO_NAME) as unknown as HaloRpc;

export const liveStub = (env: Env): LiveRpc => env.LIVE.getByName(LIVE_NAME) as unknown as LiveRpc;

export const apiRollupStub = (env: Env, key: RouteKey): ApiRollupRpc =>
  env.API_ROLLUP.getByName(apiRollupName(key)) as unknown as ApiRollupRpc;
