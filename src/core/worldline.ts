// What a world line is, as every surface shows it, and what its status allows (README "World
// lines", "The arbiter"): an active world line takes writes; a quarantined one (the arbiter's
// QUARANTINE, seed 001) refuses them until an operator releases it; a terminated one keeps its
// history readable but takes no more writes, nothing on it can be promoted, and its arbiter no
// longer runs. The WorldLine Durable Object and the arbiter routes ask these; nothing here stores.
import { DomainError } from "./problem.js";
import type { WorldLine } from "../schemas/worldline.js";

/** What the WorldLine Durable Object stores about itself (the catalog in D1 mirrors it): the world line but its colour, which is derived. */
export type WorldLineMeta = Omit<WorldLine, "color">;

/** Green when the head is the promoted commit; any later blue commit makes it blue again. */
export function worldLineView(meta: WorldLineMeta): WorldLine {
  return { ...meta, color: meta.green !== null && meta.green === meta.head ? "green" : "blue" };
}

/** Writes (patches, merges, grafts, termination) need an active world line: 410 once terminated, 423 while quarantined. */
export function checkWritable(meta: WorldLineMeta): void {
  if (meta.status === "terminated")
    throw new DomainError(
      "worldline-terminated",
      `world line ${meta.id} is terminated: its history stays readable but it takes no more writes`,
    );
  if (meta.status === "quarantined")
    throw new DomainError(
      "worldline-quarantined",
      `world line ${meta.id} is quarantined by the arbiter; release it before writing`,
    );
}

/** If-Match (RFC 9110 §13.1.1) names the head the client read: a patch on any other head answers 412 with the head. */
export function checkIfMatch(meta: WorldLineMeta, ifMatch: string | undefined): void {
  if (ifMatch !== undefined && ifMatch !== meta.head)
    throw new DomainError("stale-head", {
      detail: `If-Match names ${ifMatch} but the head is ${meta.head}; re-read and retry`,
      head: meta.head,
    });
}

/** Termination is a write like any other (so a quarantined world line is released first); it is final. */
export function terminate(meta: WorldLineMeta, now: number): WorldLineMeta {
  checkWritable(meta);
  return { ...meta, status: "terminated", updatedAt: now };
}

/** The arbiter's QUARANTINE locks an active world line; one already quarantined or terminated has nothing to lock (null). */
export function quarantine(meta: WorldLineMeta, now: number): WorldLineMeta | null {
  return meta.status === "active" ? { ...meta, status: "quarantined", updatedAt: now } : null;
}

/** An operator's release reactivates a quarantined world line, and only one. */
export function release(meta: WorldLineMeta, now: number): WorldLineMeta {
  if (meta.status !== "quarantined")
    throw new DomainError("not-quarantined", `world line ${meta.id} is ${meta.status}, not quarantined`);
  return { ...meta, status: "active", updatedAt: now };
}

/** A proposal may make a commit of an active or quarantined world line green, never of a terminated one. */
export function checkPromotable(meta: WorldLineMeta): void {
  if (meta.status === "terminated")
    throw new DomainError(
      "target-worldline-terminated",
      `world line ${meta.id} is terminated; nothing on it can be promoted`,
    );
}

/**
 * The ledger's decisions reach a world line through a retried outbox, possibly late and out of
 * order: only a decision newer (a higher ledger index) than the last one applied changes green, so
 * a late retry cannot undo a newer decision.
 */
export function isNewerDecision(ledgerIndex: number, lastApplied: number | undefined): boolean {
  return ledgerIndex > (lastApplied ?? -1);
}

/** A terminated world line's arbiter does not run: turning it on, feeding it, beating it or changing its subscribers answers 410. */
export function checkArbiterRuns(worldLine: Pick<WorldLine, "id" | "status">): void {
  if (worldLine.status === "terminated")
    throw new DomainError(
      "worldline-terminated",
      `world line ${worldLine.id} is terminated; its arbiter no longer runs`,
    );
}
