// The entity-level diff between any two commits of a world line (or head / green), a server page
// of changes at a time.
import { useState } from "react";
import { api, nextCursor, ok } from "../api/client";
import type { Diff } from "../api/types";
import { useResource } from "../hooks/useResource";
import { JsonView, short } from "../components/JsonView";
import { ProblemMessage } from "../components/ProblemMessage";
import { useCommits } from "./CommitHistory";

const SERVER_PAGE = 200;

/** The first `pages` server pages of the diff, all between the commits the first page resolved `from` and `to` to. */
async function loadDiff(id: string, from: string, to: string, pages: number) {
  const changes: Diff["changes"] = [];
  let cursor: string | null = null;
  let refs = { from, to };
  for (let page = 0; page < pages; page++) {
    const query: { from: string; to: string; cursor?: string; limit: number } = {
      ...refs,
      limit: SERVER_PAGE,
      ...(cursor && { cursor }),
    };
    const result = await ok(api().GET("/api/v1/worldlines/{id}/diff", { params: { path: { id }, query } }));
    changes.push(...result.changes);
    refs = { from: result.from, to: result.to };
    cursor = nextCursor(result);
    if (!cursor) break;
  }
  return { changes, more: cursor !== null };
}

export function DiffView({ id, initial }: { id: string; initial: { from: string; to: string } | null }) {
  const commits = useCommits(id, 2);
  const [from, setFrom] = useState(initial?.from ?? "");
  const [to, setTo] = useState(initial?.to ?? "head");
  const [pages, setPages] = useState(1);
  const options = ["head", "green", ...(commits.data?.items.map((c) => c.id) ?? [])];
  const label = (ref: string) =>
    ref === "head" || ref === "green"
      ? ref
      : `${short(ref)} ${commits.data?.items.find((c) => c.id === ref)?.message ?? ""}`;
  // A new end of the diff starts again from its first page.
  const choose = (set: (ref: string) => void) => (ref: string) => {
    set(ref);
    setPages(1);
  };
  const diff = useResource(
    from && to ? `diff:${id}:${from}:${to}:${pages}` : null,
    () => loadDiff(id, from, to, pages),
    [],
    { poll: false, keepPrevious: pages > 1 },
  );
  return (
    <section data-testid="diff">
      <div className="row">
        <CommitSelect name="from" value={from} options={options} label={label} onChange={choose(setFrom)} allowNone />
        <CommitSelect name="to" value={to} options={options} label={label} onChange={choose(setTo)} />
      </div>
      <ProblemMessage error={diff.error} context="diff" />
      {diff.data &&
        (diff.data.changes.length === 0 ? (
          <p className="muted">no changes</p>
        ) : (
          <table className="diff">
            <thead>
              <tr>
                <th>entity</th>
                <th>change</th>
                <th>before</th>
                <th>after</th>
              </tr>
            </thead>
            <tbody>
              {diff.data.changes.map((change) => (
                <tr key={change.id} className={`change-${change.change}`}>
                  <th>
                    <code>{change.id}</code>
                  </th>
                  <td>{change.change}</td>
                  <td>
                    <JsonView value={change.before} max={800} />
                  </td>
                  <td>
                    <JsonView value={change.after} max={800} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {diff.data?.more && <button onClick={() => setPages(pages + 1)}>more changes</button>}
    </section>
  );
}

/** One end of the diff: head, green or a commit of the history loaded so far. */
function CommitSelect(props: {
  name: "from" | "to";
  value: string;
  options: string[];
  label: (ref: string) => string;
  onChange: (ref: string) => void;
  allowNone?: boolean;
}) {
  return (
    <label>
      {props.name}{" "}
      <select value={props.value} onChange={(e) => props.onChange(e.target.value)} aria-label={`diff ${props.name}`}>
        {props.allowNone && <option value="">choose…</option>}
        {props.options.map((o) => (
          <option key={o} value={o}>
            {props.label(o)}
          </option>
        ))}
      </select>
    </label>
  );
}
