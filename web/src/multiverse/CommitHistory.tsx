// Commit history, newest first, a page at a time; picking two commits opens their diff.
import { useState } from "react";
import { api, ok } from "../api/client";
import type { Commit } from "../api/types";
import { useResource } from "../hooks/useResource";
import { short, when } from "../components/JsonView";
import { ProblemMessage } from "../components/ProblemMessage";

export function useCommits(id: string, pages: number) {
  return useResource(
    `commits:${id}:${pages}`,
    async () => {
      const items: Commit[] = [];
      let cursor: string | undefined;
      let next: string | null = null;
      for (let page = 0; page < pages; page++) {
        const result = await ok(
          api().GET("/api/v1/worldlines/{id}/commits", {
            params: { path: { id }, query: { limit: 50, ...(cursor && { cursor }) } },
          }),
        );
        items.push(...result.items);
        next = result.next;
        if (!next) break;
        cursor = next;
      }
      return { items, more: next !== null };
    },
    ["worldlines"],
  );
}

export function CommitHistory({
  id,
  green,
  onDiff,
}: {
  id: string;
  green: string | null;
  onDiff: (from: string, to: string) => void;
}) {
  const [pages, setPages] = useState(1);
  const commits = useCommits(id, pages);
  const [from, setFrom] = useState<string | null>(null);
  return (
    <section data-testid="history">
      <ProblemMessage error={commits.error} context="history" />
      <p className="muted">Pick a commit as “from”, then another as “to” to see their diff.</p>
      <ol className="commits">
        {commits.data?.items.map((commit) => (
          <li key={commit.id}>
            <code title={commit.id}>{short(commit.id)}</code>{" "}
            {commit.id === green && <span className="badge green">green</span>}{" "}
            {commit.parents.length > 1 && <span className="badge">merge</span>} <b>{commit.message || "—"}</b>{" "}
            <span className="muted">
              by {commit.author}, {when(commit.time)}
            </span>{" "}
            {from === null ? (
              <button className="link" onClick={() => setFrom(commit.id)}>
                from
              </button>
            ) : from === commit.id ? (
              <button className="link" onClick={() => setFrom(null)}>
                cancel
              </button>
            ) : (
              <button
                className="link"
                onClick={() => {
                  onDiff(from, commit.id);
                  setFrom(null);
                }}
              >
                to
              </button>
            )}
          </li>
        ))}
      </ol>
      {commits.data?.more && <button onClick={() => setPages(pages + 1)}>older commits</button>}
    </section>
  );
}
