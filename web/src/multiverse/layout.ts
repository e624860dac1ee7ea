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

export function layoutMultiverse(
  nodes: readonly MultiverseNode[],
  edges: readonly MultiverseEdge[],
  aspect = DEFAULT_ASPECT,
): Map<string, Point> {
  const laid = connectedFamilies(nodes, edges).map(({ members, links }) => layoutFamily(members, links));
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

interface LaidFamily {
  positions: ReadonlyMap<string, Point>;
  width: number;
  height: number;
}

// dagre costs about 2 ms for even a small family (≈0.4 s for the thousand world lines of the
// benchmark), and the graph is laid out again whenever any world line changes. A family's layout
// depends only on its members' order and its edges, so it is kept under that signature and only
// families that changed are laid out again.
const laidFamilies = new Map<string, LaidFamily>();
const MAX_KEPT_FAMILIES = 20_000;

function layoutFamily(family: MultiverseNode[], edges: readonly MultiverseEdge[]): LaidFamily {
  if (family.length === 1)
    return { positions: new Map([[family[0]!.id, { x: 0, y: 0 }]]), width: NODE_WIDTH, height: NODE_HEIGHT };
  const members = [...family].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  const signature = `${members.map((node) => node.id).join(",")}|${edges.map((edge) => `${edge.kind}:${edge.from}>${edge.to}`).join(",")}`;
  const kept = laidFamilies.get(signature);
  if (kept) return kept;
  const graph = new dagre.graphlib.Graph({ multigraph: true });
  graph.setGraph({ rankdir: "LR", nodesep: GAP_Y, ranksep: GAP_X * 2, marginx: 0, marginy: 0 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const node of members) graph.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  edges.forEach((edge, i) => {
    // merge edges point back into an older line; weight forks so lineage sets the ranks
    if (edge.from !== edge.to)
      graph.setEdge(
        edge.from,
        edge.to,
        { weight: edge.kind === "fork" ? 2 : 1, minlen: edge.kind === "fork" ? 1 : 0 },
        `e${i}`,
      );
  });
  dagre.layout(graph);
  const positions = new Map<string, Point>();
  let width = 0;
  let height = 0;
  for (const { id } of members) {
    const { x, y } = graph.node(id) as unknown as Point;
    const point = { x: x - NODE_WIDTH / 2, y: y - NODE_HEIGHT / 2 };
    positions.set(id, point);
    width = Math.max(width, point.x + NODE_WIDTH);
    height = Math.max(height, point.y + NODE_HEIGHT);
  }
  if (laidFamilies.size >= MAX_KEPT_FAMILIES) laidFamilies.clear();
  const laid = { positions, width, height };
  laidFamilies.set(signature, laid);
  return laid;
}

/** Families of world lines joined by any edge (union-find), each with the edges inside it. */
function connectedFamilies(
  nodes: readonly MultiverseNode[],
  edges: readonly MultiverseEdge[],
): Array<{ members: MultiverseNode[]; links: MultiverseEdge[] }> {
  const parent = new Map(nodes.map((node) => [node.id, node.id]));
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root)!;
    for (let at = id; parent.get(at) !== root;) {
      const next = parent.get(at)!;
      parent.set(at, root);
      at = next;
    }
    return root;
  };
  const inside = edges.filter((edge) => parent.has(edge.from) && parent.has(edge.to));
  for (const edge of inside) parent.set(find(edge.from), find(edge.to));
  const families = new Map<string, { members: MultiverseNode[]; links: MultiverseEdge[] }>();
  const familyOf = (id: string) => {
    const root = find(id);
    let family = families.get(root);
    if (!family) families.set(root, (family = { members: [], links: [] }));
    return family;
  };
  for (const node of nodes) familyOf(node.id).members.push(node);
  for (const edge of inside) familyOf(edge.from).links.push(edge);
  return [...families.values()];
}
