// The multiverse page (seed 000 `DarkMatterPage.tsx`): the graph of every world line visible to
// this browser, and the panel of the selected one.
import { useMemo, useState } from "react";
import { api, nextCursor, ok } from "../api/client";
import type { Multiverse, MultiverseGraphData } from "../api/types";
import { useResource } from "../hooks/useResource";
import { useIsOperator } from "../store/dashboardStore";
import { ProblemMessage } from "../components/ProblemMessage";
import { MultiverseGraph } from "../multiverse/MultiverseGraph";
import { WorldLinePanel } from "../multiverse/WorldLinePanel";
import { CreateWorldLine } from "../multiverse/CreateWorldLine";

/**
 * The whole graph, gathered page by page (each bounded by the API: 1000 nodes and 1000 edges), for
 * the layout needs every node and edge at once. The cursor goes through querySerializer so this
 * compiles against the API snapshot from before and after /multiverse was paged.
 */
async function loadMultiverse(): Promise<MultiverseGraphData> {
  const nodes: Multiverse["nodes"] = [];
  const edges: Multiverse["edges"] = [];
  let cursor: string | null = null;
  do {
    const after: string | null = cursor;
    const page = await ok(
      api().GET("/api/v1/multiverse", after ? { querySerializer: () => `cursor=${encodeURIComponent(after)}` } : {}),
    );
    nodes.push(...page.nodes);
    edges.push(...page.edges);
    cursor = nextCursor(page);
  } while (cursor);
  return { nodes, edges };
}

export function MultiversePage({
  selected,
  onSelect,
}: {
  selected: string | null;
  onSelect: (id: string | null) => void;
}) {
  const graph = useResource("multiverse", loadMultiverse, ["worldlines", "ledger", "arbiter"]);
  const isOperator = useIsOperator();
  const [filter, setFilter] = useState("");
  const shown = useMemo(() => {
    if (!graph.data || !filter.trim()) return graph.data;
    const needle = filter.trim().toLowerCase();
    const nodes = graph.data.nodes.filter((n) => n.name.toLowerCase().includes(needle) || n.id.includes(needle));
    const ids = new Set(nodes.map((n) => n.id));
    return { nodes, edges: graph.data.edges.filter((e) => ids.has(e.from) && ids.has(e.to)) };
  }, [graph.data, filter]);
  /** Enter in the search opens the world line it names: an exact name or id, or the only match. */
  const openFound = () => {
    const needle = filter.trim().toLowerCase();
    const matches = shown?.nodes ?? [];
    const found =
      matches.find((n) => n.name.toLowerCase() === needle || n.id === needle) ??
      (matches.length === 1 ? matches[0] : undefined);
    if (needle && found) onSelect(found.id);
  };
  return (
    <div className="multiverse-page">
      <div className="toolbar">
        <h1>Multiverse</h1>
        <input
          type="search"
          aria-label="find world line"
          placeholder="find a world line (Enter opens it)"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          onKeyDown={(e) => e.key === "Enter" && openFound()}
        />
        {isOperator && <CreateWorldLine onCreated={onSelect} />}
        {!isOperator && <span className="muted">showing public world lines only</span>}
      </div>
      <ProblemMessage error={graph.error} context="multiverse" />
      <div className="multiverse-body">
        {shown ? (
          <MultiverseGraph graph={shown} selected={selected} onSelect={onSelect} search={filter.trim()} />
        ) : (
          <p className="muted">loading the multiverse…</p>
        )}
        {selected && (
          <WorldLinePanel
            key={selected}
            id={selected}
            nodes={graph.data?.nodes ?? []}
            onSelect={onSelect}
            onClose={() => onSelect(null)}
          />
        )}
      </div>
    </div>
  );
}
