// The multiverse (seed 000 `MultiverseGraph.tsx`): every world line and its fork / merge edges,
// drawn by @xyflow/react, laid out by dagre (layout.ts), with pan and zoom. Rendering is
// virtualised twice over: from DETAIL_ZOOM up, only the nodes and edges inside the viewport are
// DOM (`onlyRenderVisibleElements`); below it, where a thousand world lines can be in view at
// once, the nodes are hidden and MultiverseMap paints them all on one canvas. The layout is
// recomputed only when the graph itself changes.
import { useEffect, useMemo, useRef } from "react";
import {
  Controls,
  MarkerType,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  useStore,
  useStoreApi,
  type Edge,
  type FitViewOptions,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import type { MultiverseGraphData } from "../api/types";
import { WorldLineNode, type WorldLineFlowNode } from "./WorldLineNode";
import { layoutMultiverse, NODE_HEIGHT, NODE_WIDTH, type Point } from "./layout";
import { DETAIL_ZOOM, MultiverseMap, type MapHandle } from "./MultiverseMap";

const nodeTypes = { worldLine: WorldLineNode };
const LABEL_LIMIT = 150;
const MIN_ZOOM = 0.02;
// Hidden (map-drawn) nodes count too: they have fixed sizes, so no measuring is needed.
const FIT: FitViewOptions = { maxZoom: 1.2, padding: 0.15, includeHiddenNodes: true };
/** The zoom a world line is brought to when it is selected from outside the view: names readable. */
const FOCUS_ZOOM = 0.9;

interface GraphProps {
  graph: MultiverseGraphData;
  selected: string | null;
  onSelect: (id: string | null) => void;
  /** The search that narrowed `graph`: a new one frames the result. */
  search?: string;
}

export function MultiverseGraph(props: GraphProps) {
  return (
    <ReactFlowProvider>
      <Graph {...props} />
    </ReactFlowProvider>
  );
}

function Graph({ graph, selected, onSelect, search = "" }: GraphProps) {
  const positions = useMemo(() => layoutMultiverse(graph.nodes, graph.edges), [graph]);
  // A boolean selector: the graph re-renders when the zoom crosses the threshold, not on every pan frame.
  const far = useStore((store) => store.transform[2] < DETAIL_ZOOM);
  const map = useRef<MapHandle>(null);
  const following = useRef(true);
  const nodes = useMemo<WorldLineFlowNode[]>(
    () =>
      graph.nodes.map((worldLine) => ({
        id: worldLine.id,
        type: "worldLine",
        position: positions.get(worldLine.id) ?? { x: 0, y: 0 },
        width: NODE_WIDTH,
        height: NODE_HEIGHT,
        hidden: far,
        data: { worldLine, selected: worldLine.id === selected },
        selected: worldLine.id === selected,
      })),
    [graph, positions, selected, far],
  );
  const edges = useMemo<Edge[]>(() => {
    const labelled = graph.edges.length <= LABEL_LIMIT;
    return graph.edges.map((edge) => ({
      id: `${edge.kind}:${edge.from}:${edge.to}:${edge.commit.slice(0, 12)}`,
      source: edge.from,
      target: edge.to,
      hidden: far,
      className: `edge-${edge.kind}`,
      ...(labelled && { label: edge.kind }),
      markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
      style:
        edge.kind === "merge"
          ? { stroke: "var(--edge-merge)", strokeDasharray: "6 4", strokeWidth: 1.6 }
          : { stroke: "var(--edge-fork)", strokeWidth: 1.4 },
    }));
  }, [graph, far]);

  return (
    <div className="graph" data-testid="multiverse-graph" data-view={far ? "map" : "nodes"}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onlyRenderVisibleElements
        nodesDraggable={false}
        nodesConnectable={false}
        defaultViewport={{ x: 0, y: 0, zoom: MIN_ZOOM }}
        minZoom={MIN_ZOOM}
        maxZoom={2}
        onNodeClick={(_, node) => onSelect(node.id)}
        // Keyboard: Tab reaches a node, Enter or Space selects it (React Flow reports that as a change, not a click).
        onNodesChange={(changes) => {
          const chosen = changes.find((change) => change.type === "select" && change.selected);
          if (chosen && "id" in chosen && chosen.id !== selected) onSelect(chosen.id);
        }}
        onPaneClick={(event) => onSelect(far ? (map.current?.pick(event.clientX, event.clientY) ?? null) : null)}
        onPaneMouseMove={far ? (event) => map.current?.hover(event) : undefined}
        onPaneMouseLeave={far ? () => map.current?.leave() : undefined}
        // Gestures come with their DOM event; the Camera's own moves come without one.
        onMoveStart={(event) => {
          if (event) following.current = false;
        }}
        proOptions={{ hideAttribution: true }}
      >
        {/* No dotted <Background>: a Chromium trace showed its full-screen SVG pattern, repainted on
            every pan frame, causing nearly all the dropped and partial frames (map and nodes alike). */}
        <Controls showInteractive={false} fitViewOptions={FIT} />
        {far && (
          <MultiverseMap ref={map} nodes={graph.nodes} edges={graph.edges} positions={positions} selected={selected} />
        )}
        <Camera positions={positions} selected={selected} search={search} following={following} />
      </ReactFlow>
      <Legend count={graph.nodes.length} edges={graph.edges.length} far={far} />
    </div>
  );
}

/**
 * Where the view goes by itself. It frames the whole graph when the page opens and when a search
 * changes what is shown, and frames it again as world lines come and go until the user pans or
 * zooms (`following` turns false; then the view stays where they put it). A world line selected
 * from outside the view (just created or forked, linked to, or clicked on the far-zoom map) is
 * brought to the centre at a zoom where its name reads.
 */
function Camera({
  positions,
  selected,
  search,
  following,
}: {
  positions: ReadonlyMap<string, Point>;
  selected: string | null;
  search: string;
  following: { current: boolean };
}) {
  const flow = useReactFlow();
  const store = useStoreApi();
  const framedSearch = useRef<string | null>(null);
  const target = selected && positions.has(selected) ? selected : null;

  useEffect(() => {
    // Two frames: selecting a world line also opens its panel, and the graph's new width is
    // measured (ResizeObserver) only after the first; centring before that would be off-centre.
    let frame = requestAnimationFrame(() => (frame = requestAnimationFrame(move)));
    const move = () => {
      if (search !== framedSearch.current) {
        framedSearch.current = search;
        following.current = true;
      }
      const at = target ? positions.get(target) : undefined;
      if (at && !inDetailedView(store.getState(), at)) {
        following.current = false;
        void flow.setCenter(at.x + NODE_WIDTH / 2, at.y + NODE_HEIGHT / 2, {
          zoom: Math.max(store.getState().transform[2], FOCUS_ZOOM),
          duration: 300,
        });
      } else if (following.current) {
        void flow.fitView(FIT);
      }
    };
    return () => cancelAnimationFrame(frame);
  }, [flow, store, positions, target, search, following]); // positions change exactly when the graph does
  return null;
}

/** Whether a world line at `at` is on screen as a readable DOM node. */
function inDetailedView(
  state: { transform: [number, number, number]; width: number; height: number },
  at: Point,
): boolean {
  const [tx, ty, zoom] = state.transform;
  if (zoom < DETAIL_ZOOM) return false;
  const [left, top] = [at.x * zoom + tx, at.y * zoom + ty];
  return left >= 0 && top >= 0 && left + NODE_WIDTH * zoom <= state.width && top + NODE_HEIGHT * zoom <= state.height;
}

function Legend({ count, edges, far }: { count: number; edges: number; far: boolean }) {
  return (
    <div className="legend" aria-label="legend">
      <span className="swatch wl-blue" /> blue <span className="swatch wl-green" /> green{" "}
      <span className="swatch wl-quarantined" /> quarantined <span className="swatch wl-terminated" /> terminated
      <span className="edge-key fork" /> fork <span className="edge-key merge" /> merge
      <span className="muted">
        {" "}
        · {count} world {count === 1 ? "line" : "lines"}, {edges} {edges === 1 ? "edge" : "edges"}
        {far && count > 0 ? " · map view: point at one for its name, zoom in to read all" : ""}
      </span>
    </div>
  );
}
