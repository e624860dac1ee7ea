// A world line's lifecycle: created with its first commit, or forked from a parent's head; locked
// by the arbiter's QUARANTINE and released by an operator; terminated for good. What each status
// allows is src/core/worldline.ts; this file performs the transitions and announces them.
import type { Json } from "../core/canonical-json.js";
import { makeCommit } from "../core/commit.js";
import { checkWrites } from "../core/entity-patch.js";
import { ObjectReader } from "../core/object-store.js";
import { DomainError } from "../core/problem.js";
import { buildTree } from "../core/state-tree.js";
import {
  quarantine as quarantined,
  release as released,
  terminate as terminated,
  worldLineView as view,
  type WorldLineMeta,
} from "../core/worldline.js";
import type { Privacy, WorldLine as WorldLineView } from "../schemas/worldline.js";
import { stageValue } from "./commits.js";
import type { WorldLineRecord } from "./record.js";

export interface CreateInput {
  id: string;
  name: string;
  privacy: Privacy;
  entities: Record<string, Json>;
  author: string;
  message: string;
}

export interface ForkInput {
  id: string;
  name: string;
  privacy: Privacy;
  parent: WorldLineView;
}

const alreadyExists = (id: string) => new DomainError("already-exists", `world line ${id} exists already`);

export async function create(line: WorldLineRecord, input: CreateInput): Promise<WorldLineView> {
  if (await line.load()) throw alreadyExists(input.id);
  const writes = checkWrites(new Map(Object.entries(input.entities)));
  const reader = new ObjectReader(line.objects);
  const entries: Array<[string, string]> = [];
  for (const [id, value] of writes) entries.push([id, stageValue(reader, value!)]);
  const tree = buildTree(reader, entries);
  const now = Date.now();
  const commit = makeCommit({ tree, parents: [], author: input.author, message: input.message, time: now });
  await line.objects.putMany(reader.staged);
  await line.graph.insert(commit, input.id);
  const meta: WorldLineMeta = {
    id: input.id,
    name: input.name,
    status: "active",
    privacy: input.privacy,
    head: commit.id,
    green: null,
    parents: [],
    createdAt: now,
    updatedAt: now,
  };
  await line.persist(meta);
  line.emit({
    type: "worldline.created",
    worldline: meta.id,
    data: { name: meta.name, privacy: meta.privacy, head: meta.head },
  });
  return view(meta);
}

/** Called on the new child: it starts at the parent's head and shares its tree (nothing copied). */
export async function fork(line: WorldLineRecord, input: ForkInput): Promise<WorldLineView> {
  if (await line.load()) throw alreadyExists(input.id);
  const now = Date.now();
  const meta: WorldLineMeta = {
    id: input.id,
    name: input.name,
    status: "active",
    privacy: input.privacy,
    head: input.parent.head,
    green: null,
    parents: [input.parent.id],
    createdAt: now,
    updatedAt: now,
  };
  await line.persist(meta, {
    edges: [{ fromId: input.parent.id, toId: input.id, kind: "fork", commit: input.parent.head, at: now }],
  });
  line.emit({
    type: "worldline.forked",
    worldline: meta.id,
    data: { parent: input.parent.id, name: meta.name, privacy: meta.privacy, head: meta.head },
  });
  return view(meta);
}

export async function terminate(line: WorldLineRecord): Promise<WorldLineView> {
  const meta = await line.existing();
  const next = terminated(meta, Date.now());
  await line.persist(next);
  line.emit({ type: "worldline.terminated", worldline: meta.id, data: { name: meta.name, head: meta.head } });
  return view(next);
}

/** The arbiter's QUARANTINE: every write answers 423 until an operator releases the world line. Idempotent. */
export async function quarantine(
  line: WorldLineRecord,
  reason: string,
  threat: number,
  beat: number,
): Promise<WorldLineView> {
  const meta = await line.existing();
  const next = quarantined(meta, Date.now());
  if (!next) return view(meta); // already quarantined, or terminated: nothing to lock
  await line.persist(next);
  line.emit({ type: "worldline.quarantined", worldline: meta.id, data: { threat, reason, beat } });
  return view(next);
}

export async function release(line: WorldLineRecord): Promise<WorldLineView> {
  const next = released(await line.existing(), Date.now());
  await line.persist(next);
  return view(next);
}
