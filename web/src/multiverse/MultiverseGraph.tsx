// The multiverse (seed 000 `MultiverseGraph.tsx`): every world line and its fork / merge edges,
// drawn by @xyflow/react, laid out by dagre (layout.ts), with pan and zoom. Only the nodes and
// edges inside the viewport are rendered (`onlyRenderVisibleElements`), so a thousand world lines
// pan smoothly; the layout is recomputed only when the graph itself changes.
import { useEffect, useMemo } from "react";
import { Background, Controls, MarkerType, ReactFlow, useReactFlow, type Edge } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import type { Multiverse } from "../api/types";
import { EnvNode, type EnvFlowNode } from "./EnvNode";
import { layoutMultiverse } from "./layout";

const nodeTypes = { env: EnvNode };
const LABEL_LIMIT = 150;

export function MultiverseGraph({ graph, selected, onSelect }: { graph: Multiverse; selected: string | null; onSelect: (id: string | null) => void }) {
  const positions = useMemo(() => layoutMultiverse(graph.nodes, graph.edges), [graph]);
  const nodes = useMemo<EnvFlowNode[]>(
    () => graph.nodes.map((worldLine) => ({ id: worldLine.id, type: "env", position: positions.get(worldLine.id) ?? { x: 0, y: 0 }, data: { worldLine, selected: worldLine.id === selected }, selected: worldLine.id === selected })),
    [graph, positions, selected],
  );
  const edges = useMemo<Edge[]>(() => {
    const labelled = graph.edges.length <= LABEL_LIMIT;
    return graph.edges.map((edge) => ({
      id: `${edge.kind}:${edge.from}:${edge.to}:${edge.commit.slice(0, 12)}`,
      source: edge.from,
      target: edge.to,
      className: `edge-${edge.kind}`,
      ...(labelled && { label: edge.kind }),
      markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
      style: edge.kind === "merge" ? { stroke: "#805ad5", strokeDasharray: "6 4", strokeWidth: 1.6 } : { stroke: "#4a5568", strokeWidth: 1.4 },
    }));
  }, [graph]);

  return (
    <div className="graph" data-testid="multiverse-graph">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onlyRenderVisibleElements
        nodesDraggable={false}
        nodesConnectable={false}
        fitView
        fitViewOptions={{ maxZoom: 1.2, padding: 0.15 }}
        minZoom={0.02}
        maxZoom={2}
        onNodeClick={(_, node) => onSelect(node.id)}
        onPaneClick={() => onSelect(null)}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={24} />
        <Controls showInteractive={false} />
        <FitOnNewNodes count={graph.nodes.length} first={graph.nodes[0]?.id} />
      </ReactFlow>
      <Legend count={graph.nodes.length} edges={graph.edges.length} />
    </div>
  );
}

/** Frames the graph again when world lines appear, disappear or a search narrows them, not on every poll. */
function FitOnNewNodes({ count, first }: { count: number; first: string | undefined }) {
  const flow = useReactFlow();
  useEffect(() => {
    const frame = requestAnimationFrame(() => void flow.fitView({ maxZoom: 1.2, padding: 0.15 }));
    return () => cancelAnimationFrame(frame);
  }, [flow, count, first]);
  return null;
}

function Legend({ count, edges }: { count: number; edges: number }) {
  return (
    <div className="legend" aria-label="legend">
      <span className="swatch env-blue" /> blue <span className="swatch env-green" /> green <span className="swatch env-quarantined" /> quarantined <span className="swatch env-terminated" /> terminated
      <span className="edge-key fork" /> fork <span className="edge-key merge" /> merge
      <span className="muted"> · {count} world lines, {edges} edges</span>
    </div>
  );
}
