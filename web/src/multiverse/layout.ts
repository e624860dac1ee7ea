// Lays the multiverse out as a readable DAG: each connected family of world lines (linked by fork
// and merge edges) is laid out by dagre (Sugiyama layering, left to right, oldest first), and the
// families are then packed in rows, biggest first, as wide as makes the whole map about as wide
// as the screen is (`aspect`): a thousand unrelated world lines become a screen-shaped grid that
// fits the view at a usable zoom, rather than one endless column. Only positions are computed
// here; @xyflow/react (and the far-zoom map) draw.
import dagre from "@dagrejs/dagre";
import type { MultiverseEdge, MultiverseNode } from "../api/types";

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 58;
const GAP_X = 40;
const GAP_Y = 36;
/** Width / height of the screen the map is fitted into; the dashboard's graph area is about this shape. */
const DEFAULT_ASPECT = 1.6;

export interface Point {
  x: number;
  y: number;
}

export function layoutMultiverse(nodes: readonly MultiverseNode[], edges: readonly MultiverseEdge[], aspect = DEFAULT_ASPECT): Map<string, Point> {
  const families = connectedFamilies(nodes, edges);
  const laid = families.map((family) => layoutFamily(family, edges));
  laid.sort((a, b) => b.height - a.height || b.width - a.width);
  // Rows this wide give a map of roughly `aspect` if the families pack without waste; never
  // narrower than the widest family, which cannot be split.
  const area = laid.reduce((sum, family) => sum + (family.width + GAP_X * 2) * (family.height + GAP_Y * 2), 0);
  const rowWidth = Math.max(Math.sqrt(area * aspect), ...laid.map((family) => family.width));
  const positions = new Map<string, Point>();
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const family of laid) {
    if (x > 0 && x + family.width > rowWidth) {
      x = 0;
      y += rowHeight + GAP_Y * 2;
      rowHeight = 0;
    }
    for (const [id, point] of family.positions) positions.set(id, { x: x + point.x, y: y + point.y });
    x += family.width + GAP_X * 2;
    rowHeight = Math.max(rowHeight, family.height);
  }
  return positions;
}

function layoutFamily(family: MultiverseNode[], edges: readonly MultiverseEdge[]): { positions: Map<string, Point>; width: number; height: number } {
  if (family.length === 1) return { positions: new Map([[family[0]!.id, { x: 0, y: 0 }]]), width: NODE_WIDTH, height: NODE_HEIGHT };
  const graph = new dagre.graphlib.Graph({ multigraph: true });
  graph.setGraph({ rankdir: "LR", nodesep: GAP_Y, ranksep: GAP_X * 2, marginx: 0, marginy: 0 });
  graph.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(family.map((node) => node.id));
  for (const node of [...family].sort((a, b) => a.createdAt - b.createdAt)) graph.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  edges.forEach((edge, i) => {
    // merge edges point back into an older line; weight forks so lineage sets the ranks
    if (ids.has(edge.from) && ids.has(edge.to) && edge.from !== edge.to) graph.setEdge(edge.from, edge.to, { weight: edge.kind === "fork" ? 2 : 1, minlen: edge.kind === "fork" ? 1 : 0 }, `e${i}`);
  });
  dagre.layout(graph);
  const positions = new Map<string, Point>();
  let width = 0;
  let height = 0;
  for (const id of ids) {
    const { x, y } = graph.node(id) as unknown as Point;
    const point = { x: x - NODE_WIDTH / 2, y: y - NODE_HEIGHT / 2 };
    positions.set(id, point);
    width = Math.max(width, point.x + NODE_WIDTH);
    height = Math.max(height, point.y + NODE_HEIGHT);
  }
  return { positions, width, height };
}

/** Families of world lines joined by any edge (union-find). */
function connectedFamilies(nodes: readonly MultiverseNode[], edges: readonly MultiverseEdge[]): MultiverseNode[][] {
  const parent = new Map(nodes.map((node) => [node.id, node.id]));
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root)!;
    for (let at = id; parent.get(at) !== root; ) {
      const next = parent.get(at)!;
      parent.set(at, root);
      at = next;
    }
    return root;
  };
  for (const edge of edges) if (parent.has(edge.from) && parent.has(edge.to)) parent.set(find(edge.from), find(edge.to));
  const families = new Map<string, MultiverseNode[]>();
  for (const node of nodes) {
    const root = find(node.id);
    families.set(root, [...(families.get(root) ?? []), node]);
  }
  return [...families.values()];
}
