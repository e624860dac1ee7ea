// The multiverse when zoomed out: every world line and edge painted on one <canvas> instead of a
// thousand DOM nodes and SVG paths. Measured in Chromium (software rendering, 1,000 world lines
// in view), the DOM nodes alone pushed one pan frame in six past 33 ms: painting, hit-testing
// and resize-observing a thousand boxes every frame. Their names are unreadable at this zoom
// anyway, so below DETAIL_ZOOM the graph hides its React Flow nodes and this map draws the same
// layout, the same colours (the CSS custom properties the DOM nodes use) and the same edge
// curves (xyflow's own bezier), redrawn once per animation frame while the viewport moves.
// Pointing at a world line names it; clicking it selects it (the graph then zooms in to it).
import { forwardRef, useEffect, useImperativeHandle, useMemo, useRef, useState } from "react";
import { getBezierPath, Position, useStoreApi } from "@xyflow/react";
import type { MultiverseEdge, MultiverseNode } from "../api/types";
import { envState } from "./EnvNode";
import { NODE_HEIGHT, NODE_WIDTH, type Point } from "./layout";

/** At and above this zoom the graph draws real DOM nodes with names; below it, this map. */
export const DETAIL_ZOOM = 0.5;
/** How far (screen pixels) outside a world line a pointer still picks it: specks are small. */
const PICK_SLACK_PX = 4;
const STATES = ["blue", "green", "quarantined", "terminated"] as const;

export interface MapHandle {
  /** The world line under this pointer position (client coordinates), if any. */
  pick(clientX: number, clientY: number): string | null;
  /** Shows the name of the world line under the pointer (or nothing while dragging). */
  hover(event: { clientX: number; clientY: number; buttons: number }): void;
  leave(): void;
}

interface Props {
  nodes: readonly MultiverseNode[];
  edges: readonly MultiverseEdge[];
  positions: ReadonlyMap<string, Point>;
  selected: string | null;
}

/** The drawing, in flow coordinates: one path per world-line state and per edge kind, built once per graph. */
interface Scene {
  boxes: Record<(typeof STATES)[number], Path2D>;
  fork: Path2D;
  merge: Path2D;
  placed: Array<{ node: MultiverseNode; at: Point }>;
}

function buildScene(nodes: readonly MultiverseNode[], edges: readonly MultiverseEdge[], positions: ReadonlyMap<string, Point>): Scene {
  const boxes = { blue: new Path2D(), green: new Path2D(), quarantined: new Path2D(), terminated: new Path2D() };
  const placed: Scene["placed"] = [];
  for (const node of nodes) {
    const at = positions.get(node.id);
    if (!at) continue;
    boxes[envState(node)].rect(at.x, at.y, NODE_WIDTH, NODE_HEIGHT);
    placed.push({ node, at });
  }
  const fork = new Path2D();
  const merge = new Path2D();
  for (const edge of edges) {
    const from = positions.get(edge.from);
    const to = positions.get(edge.to);
    if (!from || !to) continue;
    // The handles the DOM edges leave from and arrive at: right middle of the source, left middle of the target.
    const [d] = getBezierPath({ sourceX: from.x + NODE_WIDTH, sourceY: from.y + NODE_HEIGHT / 2, sourcePosition: Position.Right, targetX: to.x, targetY: to.y + NODE_HEIGHT / 2, targetPosition: Position.Left });
    (edge.kind === "merge" ? merge : fork).addPath(new Path2D(d));
  }
  return { boxes, fork, merge, placed };
}

function readColours(element: Element) {
  const style = getComputedStyle(element);
  const value = (name: string) => style.getPropertyValue(name).trim();
  return {
    border: Object.fromEntries(STATES.map((state) => [state, value(`--env-${state}-border`)])) as Record<(typeof STATES)[number], string>,
    fill: Object.fromEntries(STATES.map((state) => [state, value(`--env-${state}-fill`)])) as Record<(typeof STATES)[number], string>,
    selected: value("--env-selected"),
    fork: value("--edge-fork"),
    merge: value("--edge-merge"),
  };
}

export const MultiverseMap = forwardRef<MapHandle, Props>(function MultiverseMap({ nodes, edges, positions, selected }, ref) {
  const store = useStoreApi();
  const canvas = useRef<HTMLCanvasElement>(null);
  const scene = useMemo(() => buildScene(nodes, edges, positions), [nodes, edges, positions]);
  const [tip, setTip] = useState<{ node: MultiverseNode; x: number; y: number } | null>(null);

  useEffect(() => {
    const element = canvas.current!;
    const context = element.getContext("2d")!;
    const colours = readColours(element);
    let frame = 0;
    const draw = () => {
      frame = 0;
      const { width, height, transform } = store.getState();
      const [tx, ty, zoom] = transform;
      const ratio = window.devicePixelRatio || 1;
      if (element.width !== Math.round(width * ratio) || element.height !== Math.round(height * ratio)) {
        element.width = Math.round(width * ratio);
        element.height = Math.round(height * ratio);
      }
      context.setTransform(1, 0, 0, 1, 0, 0);
      context.clearRect(0, 0, element.width, element.height);
      context.setTransform(zoom * ratio, 0, 0, zoom * ratio, tx * ratio, ty * ratio);
      const px = 1 / zoom; // one screen pixel, in flow units
      context.lineWidth = 1.2 * px;
      context.strokeStyle = colours.fork;
      context.setLineDash([]);
      context.stroke(scene.fork);
      context.strokeStyle = colours.merge;
      context.setLineDash([5 * px, 3 * px]);
      context.stroke(scene.merge);
      context.setLineDash([]);
      // A box only a few pixels wide reads best as a solid dot of its state's border colour.
      const tiny = NODE_WIDTH * zoom < 24;
      for (const state of STATES) {
        context.fillStyle = tiny ? colours.border[state] : colours.fill[state];
        context.fill(scene.boxes[state]);
        if (!tiny) {
          context.strokeStyle = colours.border[state];
          context.stroke(scene.boxes[state]);
        }
      }
      const chosen = selected ? positions.get(selected) : undefined;
      if (chosen) {
        // Never smaller than a finger-tip on screen, so the selection can be found on the whole map.
        const ring = 4 * px;
        const [w, h] = [Math.max(NODE_WIDTH, 10 * px), Math.max(NODE_HEIGHT, 10 * px)];
        context.lineWidth = 3 * px;
        context.strokeStyle = colours.selected;
        context.strokeRect(chosen.x + NODE_WIDTH / 2 - w / 2 - ring, chosen.y + NODE_HEIGHT / 2 - h / 2 - ring, w + 2 * ring, h + 2 * ring);
      }
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(draw);
    };
    draw();
    const unsubscribe = store.subscribe((state, previous) => {
      if (state.transform !== previous.transform || state.width !== previous.width || state.height !== previous.height) schedule();
    });
    return () => {
      unsubscribe();
      cancelAnimationFrame(frame);
    };
  }, [store, scene, positions, selected]);

  useImperativeHandle(ref, () => {
    const pick = (clientX: number, clientY: number): string | null => {
      const box = canvas.current!.getBoundingClientRect();
      const [tx, ty, zoom] = store.getState().transform;
      const x = (clientX - box.left - tx) / zoom;
      const y = (clientY - box.top - ty) / zoom;
      const slack = PICK_SLACK_PX / zoom;
      let best: { id: string; distance: number } | null = null;
      for (const { node, at } of scene.placed) {
        const dx = Math.max(at.x - x, 0, x - (at.x + NODE_WIDTH));
        const dy = Math.max(at.y - y, 0, y - (at.y + NODE_HEIGHT));
        const distance = Math.hypot(dx, dy);
        if (distance <= slack && (!best || distance < best.distance)) best = { id: node.id, distance };
      }
      return best?.id ?? null;
    };
    const setPointer = (on: boolean) => canvas.current?.closest(".graph")?.classList.toggle("map-hover", on);
    return {
      pick,
      hover(event) {
        const id = event.buttons ? null : pick(event.clientX, event.clientY);
        setPointer(id !== null);
        const box = canvas.current!.getBoundingClientRect();
        setTip((current) => {
          if (!id) return current && null;
          const node = scene.placed.find((entry) => entry.node.id === id)!.node;
          return { node, x: event.clientX - box.left, y: event.clientY - box.top };
        });
      },
      leave() {
        setPointer(false);
        setTip(null);
      },
    };
  }, [store, scene]);

  return (
    <>
      <canvas
        ref={canvas}
        className="multiverse-map"
        data-testid="multiverse-map"
        data-world-lines={scene.placed.length}
        role="img"
        aria-label={`map of ${scene.placed.length} world lines; zoom in, search, or click one to read it`}
      />
      {tip && (
        <div className="map-tip" role="tooltip" data-testid="map-tip" style={{ left: tip.x, top: tip.y }}>
          {tip.node.name} <span className="muted">· {envState(tip.node)}</span>
        </div>
      )}
    </>
  );
});
