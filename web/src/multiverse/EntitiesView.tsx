// A world line's entities at its head: fetched a server page at a time (the API pages state in its
// tree's key order, so a page costs the same for any size), searchable by id or content over what
// is loaded, 25 per page on screen.
import { useMemo, useState } from "react";
import { api, nextCursor, ok } from "../api/client";
import { useResource } from "../hooks/useResource";
import { JsonView, short } from "../components/JsonView";
import { ProblemMessage } from "../components/ProblemMessage";

const PAGE = 25;
const SERVER_PAGE = 200;

/** The first `pages` server pages of the state, all read at the commit the first one answered. */
function useStatePages(id: string, pages: number) {
  return useResource(
    `state:${id}:${pages}`,
    async () => {
      const entities: Array<[string, unknown]> = [];
      let commit: string | undefined;
      let count = 0;
      let cursor: string | null = null;
      for (let page = 0; page < pages; page++) {
        const query: { at?: string; cursor?: string; limit: number } = {
          limit: SERVER_PAGE,
          ...(commit && { at: commit }),
          ...(cursor && { cursor }),
        };
        const result = await ok(api().GET("/api/v1/worldlines/{id}/state", { params: { path: { id }, query } }));
        commit = result.commit;
        entities.push(...Object.entries(result.entities as Record<string, unknown>));
        count = "count" in result && typeof result.count === "number" ? result.count : entities.length;
        cursor = nextCursor(result);
        if (!cursor) break;
      }
      return { commit: commit!, entities, count, more: cursor !== null };
    },
    ["worldlines"],
  );
}

export function EntitiesView({ id }: { id: string }) {
  const [serverPages, setServerPages] = useState(1);
  const state = useStatePages(id, serverPages);
  const [query, setQuery] = useState("");
  const [page, setPage] = useState(0);
  const matches = useMemo(() => {
    const entries = [...(state.data?.entities ?? [])].sort(([a], [b]) => a.localeCompare(b));
    const needle = query.trim().toLowerCase();
    return needle
      ? entries.filter(
          ([key, value]) => key.toLowerCase().includes(needle) || JSON.stringify(value).toLowerCase().includes(needle),
        )
      : entries;
  }, [state.data, query]);
  const pages = Math.max(1, Math.ceil(matches.length / PAGE));
  const current = Math.min(page, pages - 1);
  const loaded = state.data?.entities.length ?? 0;
  return (
    <section data-testid="entities">
      <ProblemMessage error={state.error} context="entities" />
      <div className="row">
        <input
          type="search"
          placeholder="search entities"
          aria-label="search entities"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setPage(0);
          }}
        />
        <span className="muted">
          {matches.length} {matches.length === 1 ? "entity" : "entities"}
          {state.data?.more && ` of the ${loaded} loaded (${state.data.count} in all)`}
          {state.data && ` at ${short(state.data.commit)}`}
        </span>
        {state.data?.more && <button onClick={() => setServerPages(serverPages + 1)}>load more entities</button>}
      </div>
      <table className="entities">
        <tbody>
          {matches.slice(current * PAGE, current * PAGE + PAGE).map(([key, value]) => (
            <tr key={key}>
              <th>
                <code>{key}</code>
              </th>
              <td>
                <JsonView value={value} max={600} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {pages > 1 && (
        <div className="row pager">
          <button disabled={current === 0} onClick={() => setPage(current - 1)}>
            ‹ prev
          </button>
          <span>
            page {current + 1} of {pages}
          </span>
          <button disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
            next ›
          </button>
        </div>
      )}
    </section>
  );
}
