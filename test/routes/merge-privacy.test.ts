// A merge must not publish a stricter world line's history through a looser one (issue 12):
// refused with 422 unless it is a squash merge, which links none of the source's commits.
import { describe, expect, it } from "vitest";
import { api, createWorldLine, mergePatch, state } from "../api.js";

const fork = async (id: string, privacy?: string) =>
  (await api("POST", `/api/v1/worldlines/${id}/fork`, { body: { name: "fork", ...(privacy && { privacy }) } })).body;
const merge = (target: string, body: Record<string, unknown>) =>
  api("POST", `/api/v1/worldlines/${target}/merge`, { body });
const commitIds = async (id: string, token?: string | null) => {
  const ids: string[] = [];
  for (let cursor = ""; ;) {
    const page = (
      await api("GET", `/api/v1/worldlines/${id}/commits?limit=2${cursor && `&cursor=${cursor}`}`, { token })
    ).body;
    ids.push(...page.items.map((c: { id: string }) => c.id));
    if (!page.next) return ids;
    cursor = page.next;
  }
};

/** A full-public world line and a private fork of it with two commits of its own. */
async function publicTargetPrivateSource() {
  const target = await createWorldLine({ privacy: "full-public", entities: { sun: { mass: 1 } } });
  const source = await fork(target.id, "private");
  await mergePatch(source.id, { secret: { plan: "a" } });
  await mergePatch(source.id, { secret: { plan: "b" }, sun: { mass: 2 } });
  const own = (await commitIds(source.id)).filter((id) => id !== target.head);
  expect(own).toHaveLength(2);
  return { target, source, sourceCommits: own };
}

describe("merging across privacy levels", () => {
  it("refuses to merge a stricter world line into a looser one with 422 and changes nothing", async () => {
    const { target, source } = await publicTargetPrivateSource();
    const before = await state(target.id);
    for (const strategy of ["three-way", "theirs"]) {
      const refused = await merge(target.id, { source: source.id, strategy });
      expect([refused.status, refused.contentType, refused.body.code]).toEqual([
        422,
        "application/problem+json",
        "privacy-stricter-source",
      ]);
      expect(refused.body.errors).toEqual([expect.objectContaining({ in: "body", path: "/source" })]);
      expect(refused.body.detail).toContain("squash");
    }
    expect(await state(target.id)).toEqual(before);
    expect(await commitIds(target.id)).toEqual([target.head]);
    const edges = (await api("GET", "/api/v1/multiverse")).body.edges.filter(
      (e: { kind: string; to: string }) => e.kind === "merge" && e.to === target.id,
    );
    expect(edges).toEqual([]);
  });

  it("squash-merges a stricter world line as one commit that anonymous readers cannot follow to any source commit", async () => {
    const { target, source, sourceCommits } = await publicTargetPrivateSource();
    const squashed = await merge(target.id, { source: source.id, squash: true });
    expect(squashed.status).toBe(200);
    expect(squashed.body).toMatchObject({ merged: true, parents: [target.head], base: target.head, changed: 2 });
    expect((await state(target.id, undefined, null)).entities).toEqual({ sun: { mass: 2 }, secret: { plan: "b" } });

    // history: the squash commit and the target's own, nothing of the source
    const history = (await api("GET", `/api/v1/worldlines/${target.id}/commits`, { token: null })).body.items;
    expect(history.map((c: { id: string }) => c.id)).toEqual([squashed.body.commit, target.head]);
    expect(history[0]).toMatchObject({ parents: [target.head], message: "squash merge" });
    expect(JSON.stringify(history)).not.toContain(source.id);
    for (const commit of sourceCommits) {
      expect((await api("GET", `/api/v1/worldlines/${target.id}/state?at=${commit}`, { token: null })).status).toBe(
        404,
      );
      expect(
        (await api("GET", `/api/v1/worldlines/${target.id}/entities/secret?at=${commit}`, { token: null })).status,
      ).toBe(404);
      expect((await api("GET", `/api/v1/worldlines/${target.id}/diff?from=${commit}`, { token: null })).status).toBe(
        404,
      );
      expect((await api("GET", `/api/v1/worldlines/${target.id}/state?at=${commit}`)).status).toBe(404); // not in the target's history at all
    }
    const anonymous = JSON.stringify((await api("GET", "/api/v1/multiverse", { token: null })).body);
    for (const hidden of [source.id, ...sourceCommits]) expect(anonymous).not.toContain(hidden);

    // the operator still sees where the state came from
    const edges = (await api("GET", "/api/v1/multiverse")).body.edges.filter(
      (e: { from: string }) => e.from === source.id,
    );
    expect(edges).toEqual([expect.objectContaining({ to: target.id, kind: "merge", commit: squashed.body.commit })]);
    // and nothing new to squash answers merged: false without a commit
    expect((await merge(target.id, { source: source.id, squash: true })).body).toMatchObject({
      merged: false,
      commit: squashed.body.commit,
    });
  });

  it("still links the source's history when both share a level or the target is stricter", async () => {
    const base = await createWorldLine({ privacy: "public-network", entities: { a: 1 } });
    const same = await fork(base.id);
    const stricter = await fork(base.id, "private");
    const ours = await mergePatch(same.id, { b: 1 });
    const samePrivacy = await merge(base.id, { source: same.id });
    expect(samePrivacy.body).toMatchObject({ merged: true, parents: [base.head, ours.body.commit] });
    const theirs = await mergePatch(base.id, { c: 1 });
    const intoStricter = await merge(stricter.id, { source: base.id });
    expect(intoStricter.body).toMatchObject({ merged: true, parents: [stricter.head, theirs.body.commit] });
    expect((await state(stricter.id)).entities).toEqual({ a: 1, b: 1, c: 1 });
  });
});
