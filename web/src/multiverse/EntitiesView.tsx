// A world line's entities at its head: searchable by id or content, 25 per page.
import { useMemo, useState } from "react";
import { api, ok } from "../api/client";
import { useResource } from "../hooks/useDarkMatter";
import { JsonView, short } from "../components/JsonView";
import { ProblemMessage } from "../components/ProblemMessage";

const PAGE = 25;

export function EntitiesView({ id }: { id: string }) {
  const state = useResource(`state:${id}`, () => ok(api().GET("/api/v1/worldlines/{id}/state", { params: { path: { id } } })), ["worldlines"]);
  const [query, setQuery] = useState("");
  const [page, setPage] = useState(0);
  const matches = useMemo(() => {
    const entries = Object.entries((state.data?.entities ?? {}) as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    const needle = query.trim().toLowerCase();
    return needle ? entries.filter(([key, value]) => key.toLowerCase().includes(needle) || JSON.stringify(value).toLowerCase().includes(needle)) : entries;
  }, [state.data, query]);
  const pages = Math.max(1, Math.ceil(matches.length / PAGE));
  const current = Math.min(page, pages - 1);
  return (
    <section data-testid="entities">
      <ProblemMessage error={state.error} context="entities" />
      <div className="row">
        <input type="search" placeholder="search entities" aria-label="search entities" value={query} onChange={(e) => { setQuery(e.target.value); setPage(0); }} />
        <span className="muted">
          {matches.length} {matches.length === 1 ? "entity" : "entities"}{state.data && ` at ${short(state.data.commit)}`}
        </span>
      </div>
      <table className="entities">
        <tbody>
          {matches.slice(current * PAGE, current * PAGE + PAGE).map(([key, value]) => (
            <tr key={key}>
              <th><code>{key}</code></th>
              <td><JsonView value={value} max={600} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      {pages > 1 && (
        <div className="row pager">
          <button disabled={current === 0} onClick={() => setPage(current - 1)}>‹ prev</button>
          <span>page {current + 1} of {pages}</span>
          <button disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>next ›</button>
        </div>
      )}
    </section>
  );
}
