// Squads: create, change, delete. Members are checked (and hosted ones connected to the hub)
// before the squad is written.
import { newId } from "../core/ids.js";
import { atBody } from "../core/field-error.js";
import { DomainError, notFound } from "../core/problem.js";
import { SquadStore } from "../stores/squad-store.js";
import type { CreateSquad, Squad, UpdateSquad } from "../schemas/squads.js";
import { ensureMembersReachable } from "./members.js";

const nameTaken = (name: string) =>
  new DomainError("squad-exists", {
    detail: `a squad named "${name}" exists already`,
    errors: [atBody("/name", "taken")],
  });
export const squadNotFound = (id: string) => notFound(`squad ${id.slice(0, 64)}`);

export async function createSquad(env: Env, input: CreateSquad): Promise<Squad> {
  const store = new SquadStore(env.DB);
  if (await store.byName(input.name)) throw nameTaken(input.name);
  await ensureMembersReachable(env, input.members);
  const now = Date.now();
  const squad = await store.insert({
    id: newId("sq", now),
    name: input.name,
    members: input.members,
    capabilities: input.capabilities,
    createdAt: now,
    updatedAt: now,
  });
  if (!squad) throw nameTaken(input.name);
  return squad;
}

export async function updateSquad(env: Env, id: string, input: UpdateSquad): Promise<Squad> {
  const store = new SquadStore(env.DB);
  const squad = await store.get(id);
  if (!squad) throw squadNotFound(id);
  if (input.name !== undefined && input.name !== squad.name && (await store.byName(input.name)))
    throw nameTaken(input.name);
  if (input.members) await ensureMembersReachable(env, input.members);
  const updated = await store.update({ ...squad, ...input, updatedAt: Date.now() });
  if (!updated) throw squadNotFound(id);
  return updated;
}

/** Tasks keep the squad's id; an open one is sent to any squad taking its kind instead. */
export async function deleteSquad(env: Env, id: string): Promise<void> {
  if (!(await new SquadStore(env.DB).delete(id))) throw squadNotFound(id);
}
