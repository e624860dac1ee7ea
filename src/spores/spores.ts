// Spores (seed 003, Spore Engine): versioned templates of world-line entities. A draft can be
// edited; publishing freezes the version; only published spores are deployed. Deploying one to a
// world line creates a graft there (src/spores/grafts.ts) and is logged as `spore.deployed`.
import type { JsonObject } from "../core/canonical-json.js";
import { newId } from "../core/ids.js";
import { atBody } from "../core/field-error.js";
import { DomainError, notFound } from "../core/problem.js";
import { SporeStore, type SporeStatus } from "../stores/spore-store.js";
import { emitEvent } from "../events/producer.js";
import type { Graft, Spore } from "../schemas/spores.js";
import { worldLineStub } from "../stubs.js";

export const sporeNotFound = (id: string) => notFound(`spore ${id.slice(0, 64)}`);

const wrongStatus = (spore: Spore, wanted: string) =>
  new DomainError(`spore-${spore.status}`, {
    detail: `spore ${spore.name} v${spore.version} is ${spore.status}; ${wanted}`,
    status_now: spore.status,
  });

export async function createSpore(
  env: Env,
  input: { name: string; description: string; entities: JsonObject },
): Promise<Spore> {
  const store = new SporeStore(env.DB);
  for (let tries = 0; tries < 3; tries++) {
    const now = Date.now();
    const spore = await store.insertSpore({
      id: newId("sp", now),
      name: input.name,
      description: input.description,
      status: "draft",
      entities: input.entities,
      createdAt: now,
      updatedAt: now,
      publishedAt: null,
    });
    if (spore) return spore;
    // another version of the same name was created at the same moment: take the next number
  }
  throw new DomainError("spore-version-race", `versions of spore ${input.name} are being created concurrently; retry`);
}

async function load(env: Env, id: string): Promise<{ store: SporeStore; spore: Spore }> {
  const store = new SporeStore(env.DB);
  const spore = await store.spore(id);
  if (!spore) throw sporeNotFound(id);
  return { store, spore };
}

async function move(
  env: Env,
  id: string,
  from: SporeStatus,
  changes: Parameters<SporeStore["updateSpore"]>[2],
  wanted: string,
): Promise<Spore> {
  const { store, spore } = await load(env, id);
  if (spore.status !== from) throw wrongStatus(spore, wanted);
  const updated = await store.updateSpore(id, from, changes, Date.now());
  if (!updated) throw wrongStatus((await store.spore(id)) ?? spore, wanted);
  return updated;
}

export const updateSpore = (env: Env, id: string, changes: { description?: string; entities?: JsonObject }) =>
  move(
    env,
    id,
    "draft",
    changes,
    "a published version never changes: create the next version with POST /api/v1/spores (same name)",
  );

export const publishSpore = (env: Env, id: string) =>
  move(env, id, "draft", { status: "published", publishedAt: Date.now() }, "only a draft can be published");

export const retireSpore = (env: Env, id: string) =>
  move(
    env,
    id,
    "published",
    { status: "retired" },
    "only a published spore can be retired; its grafts stay as they are",
  );

export async function getSpore(env: Env, id: string): Promise<Spore> {
  return (await load(env, id)).spore;
}

/** Deploys a published spore to a world line: a `pending` graft, logged as `spore.deployed`. */
export async function deploySpore(env: Env, id: string, worldline: string): Promise<Graft> {
  const { store, spore } = await load(env, id);
  if (spore.status !== "published") throw wrongStatus(spore, "only published spores can be deployed");
  const target = await worldLineStub(env, worldline).info({ isOperator: true });
  if (!target.ok)
    throw new DomainError("unknown-worldline", {
      detail: `world line ${worldline} does not exist`,
      errors: [atBody("/worldline", "no such world line")],
    });
  if (target.value.status === "terminated")
    throw new DomainError(
      "target-worldline-terminated",
      `world line ${worldline} is terminated; nothing can be grafted onto it`,
    );
  const now = Date.now();
  const graft = await store.insertGraft({ id: newId("gr", now), sporeId: id, worldline, createdAt: now });
  await emitEvent(env, {
    type: "spore.deployed",
    worldline,
    data: { sporeId: id, targets: [worldline], graftId: graft.id },
  });
  return graft;
}
