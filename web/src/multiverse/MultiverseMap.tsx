// The multiverse when zoomed out: every world line and edge painted on one <canvas> instead of a
// thousand DOM nodes and SVG paths. Measured in Chromium (software rendering, 1,000 world lines
// in view), the DOM nodes alone pushed one pan frame in six past 33 ms: painting, hit-testing
// and resize-observing a thousand boxes every frame. Their names are unreadable at this zoom
// anyway, so below DETAIL_ZOOM the graph hides its React Flow nodes and this map draws the same
// layout, the same colours (the CSS custom properties the DOM nodes use) and the same edge
// curves (xyflow's own bezier), redrawn once per animation frame while the viewport moves (from
// a bitmap of the whole map while only panning).
// Pointing at a world line names it; clicking it selects it (the graph then zooms in to it).
import { forwardRef, useEffect, useImperativeHandle, useMemo, useRef, useState } from "react";
import { getBezierPath, Position, useStoreApi } from "@xyflow/react";
import type { MultiverseEdge, MultiverseNode } from "../api/types";
import { WORLD_LINE_STATES, worldLineState, type WorldLineState } from "./WorldLineNode";
import { NODE_HEIGHT, NODE_WIDTH, type Point } from "./layout";

/** At and above this zoom the graph draws real DOM nodes with names; below it, this map. */
export const DETAIL_ZOOM = 0.5;
/** How far (screen pixels) outside a world line a pointer still picks it: specks are small. */
const PICK_SLACK_PX = 4;
/** The largest pan bitmap kept (device pixels; 4 bytes each): about four full-HD screens. */
const MAX_CACHE_PIXELS = 8_000_000;

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
  boxes: Record<WorldLineState, Path2D>;
  fork: Path2D;
  merge: Path2D;
  placed: Array<{ node: MultiverseNode; at: Point }>;
  /** The drawing's extent in flow coordinates (edges stay between their boxes, so the boxes bound it). */
  bounds: { minX: number; minY: number; maxX: number; maxY: number };
}

function buildScene(
  nodes: readonly MultiverseNode[],
  edges: readonly MultiverseEdge[],
  positions: ReadonlyMap<string, Point>,
): Scene {
  const boxes = { blue: new Path2D(), green: new Path2D(), quarantined: new Path2D(), terminated: new Path2D() };
  const placed: Scene["placed"] = [];
  const bounds = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  for (const node of nodes) {
    const at = positions.get(node.id);
    if (!at) continue;
    boxes[worldLineState(node)].rect(at.x, at.y, NODE_WIDTH, NODE_HEIGHT);
    placed.push({ node, at });
    bounds.minX = Math.min(bounds.minX, at.x);
    bounds.minY = Math.min(bounds.minY, at.y);
    bounds.maxX = Math.max(bounds.maxX, at.x + NODE_WIDTH);
    bounds.maxY = Math.max(bounds.maxY, at.y + NODE_HEIGHT);
  }
  const fork = new Path2D();
  const merge = new Path2D();
  for (const edge of edges) {
    const from = positions.get(edge.from);
    const to = positions.get(edge.to);
    if (!from || !to) continue;
    // The handles the DOM edges leave from and arrive at: right middle of the source, left middle of the target.
    const [d] = getBezierPath({
      sourceX: from.x + NODE_WIDTH,
      sourceY: from.y + NODE_HEIGHT / 2,
      sourcePosition: Position.Right,
      targetX: to.x,
      targetY: to.y + NODE_HEIGHT / 2,
      targetPosition: Position.Left,
    });
    (edge.kind === "merge" ? merge : fork).addPath(new Path2D(d));
  }
  return { boxes, fork, merge, placed, bounds };
}

function readColours(element: Element) {
  const style = getComputedStyle(element);
  const value = (name: string) => style.getPropertyValue(name).trim();
  return {
    border: Object.fromEntries(WORLD_LINE_STATES.map((state) => [state, value(`--wl-${state}-border`)])) as Record<
      WorldLineState,
      string
    >,
    fill: Object.fromEntries(WORLD_LINE_STATES.map((state) => [state, value(`--wl-${state}-fill`)])) as Record<
      WorldLineState,
      string
    >,
    selected: value("--wl-selected"),
    fork: value("--edge-fork"),
    merge: value("--edge-merge"),
  };
}

export const MultiverseMap = forwardRef<MapHandle, Props>(function MultiverseMap(
  { nodes, edges, positions, selected },
  ref,
) {
  const store = useStoreApi();
  const canvas = useRef<HTMLCanvasElement>(null);
  const scene = useMemo(() => buildScene(nodes, edges, positions), [nodes, edges, positions]);
  const [tip, setTip] = useState<{ node: MultiverseNode; x: number; y: number } | null>(null);

  useEffect(() => {
    const element = canvas.current!;
    const context = element.getContext("2d")!;
    const colours = readColours(element);
    const chosen = selected ? positions.get(selected) : undefined;
    /** Draws the scene at `zoom` onto `target`, a flow point (x, y) landing on device pixel (x·scale + dx, y·scale + dy). */
    const paint = (
      target: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D,
      zoom: number,
      scale: number,
      dx: number,
      dy: number,
    ) => {
      target.setTransform(scale, 0, 0, scale, dx, dy);
      const px = 1 / zoom; // one screen pixel, in flow units
      target.lineWidth = 1.2 * px;
      target.strokeStyle = colours.fork;
      target.setLineDash([]);
      target.stroke(scene.fork);
      target.strokeStyle = colours.merge;
      target.setLineDash([5 * px, 3 * px]);
      target.stroke(scene.merge);
      target.setLineDash([]);
      // A box only a few pixels wide reads best as a solid dot of its state's border colour.
      const tiny = NODE_WIDTH * zoom < 24;
      for (const state of WORLD_LINE_STATES) {
        target.fillStyle = tiny ? colours.border[state] : colours.fill[state];
        target.fill(scene.boxes[state]);
        if (!tiny) {
          target.strokeStyle = colours.border[state];
          target.stroke(scene.boxes[state]);
        }
      }
      if (chosen) {
        // Never smaller than a finger-tip on screen, so the selection can be found on the whole map.
        const ring = 4 * px;
        const [w, h] = [Math.max(NODE_WIDTH, 10 * px), Math.max(NODE_HEIGHT, 10 * px)];
        target.lineWidth = 3 * px;
        target.strokeStyle = colours.selected;
        target.strokeRect(
          chosen.x + NODE_WIDTH / 2 - w / 2 - ring,
          chosen.y + NODE_HEIGHT / 2 - h / 2 - ring,
          w + 2 * ring,
          h + 2 * ring,
        );
      }
    };
    // Panning keeps the zoom, so the whole map is drawn once per zoom into a bitmap and each pan
    // frame only copies it: rasterising a thousand boxes and curves every frame is what made
    // Chromium drop frames. While the zoom changes (a wheel gesture) the map is drawn directly.
    let cache: { zoom: number; ratio: number; bitmap: ImageBitmap; x: number; y: number } | null = null;
    let lastZoom = Number.NaN;
    const cached = (zoom: number, ratio: number) => {
      if (cache?.zoom === zoom && cache.ratio === ratio) return cache;
      cache?.bitmap.close();
      cache = null;
      const scale = zoom * ratio;
      const margin = 16; // device pixels around the drawing, for strokes and the selection ring
      const [x, y] = [scene.bounds.minX * scale - margin, scene.bounds.minY * scale - margin];
      const width = Math.ceil(scene.bounds.maxX * scale + margin - x);
      const height = Math.ceil(scene.bounds.maxY * scale + margin - y);
      if (!(width > 0 && height > 0) || width * height > MAX_CACHE_PIXELS) return null; // nothing to draw, or zoomed in on a huge map: draw directly
      const offscreen = new OffscreenCanvas(width, height);
      paint(offscreen.getContext("2d")!, zoom, scale, -x, -y);
      cache = { zoom, ratio, bitmap: offscreen.transferToImageBitmap(), x, y };
      return cache;
    };
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
      const steady = zoom === lastZoom;
      lastZoom = zoom;
      const bitmap = steady ? cached(zoom, ratio) : null;
      if (bitmap)
        context.drawImage(bitmap.bitmap, Math.round(tx * ratio + bitmap.x), Math.round(ty * ratio + bitmap.y));
      else paint(context, zoom, zoom * ratio, tx * ratio, ty * ratio);
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(draw);
    };
    draw();
    const unsubscribe = store.subscribe((state, previous) => {
      if (state.transform !== previous.transform || state.width !== previous.width || state.height !== previous.height)
        schedule();
    });
    return () => {
      unsubscribe();
      cancelAnimationFrame(frame);
      cache?.bitmap.close();
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
          {tip.node.name} <span className="muted">· {worldLineState(tip.node)}</span>
        </div>
      )}
    </>
  );
});
