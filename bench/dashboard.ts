// Dashboard figures in Debian's Chromium (playwright-core, /usr/bin/chromium) against the bench
// wrangler dev: time to the first interactive render of the multiverse page with 1,000 world
// lines, frame times while panning that graph (requestAnimationFrame sampling during a mouse
// drag, and the frames Chromium's performance trace reports presented or dropped), and the same
// while scrolling the audit log over a large ledger (1M entries by default;
// DM_BENCH_DASHBOARD_LEDGER=<n> for a smaller one, DM_BENCH_DASHBOARD_WORLDLINES=<n> likewise).
import { bytesToHex } from "../src/core/hash.js";
import { operatorCaller } from "../scripts/http-json.js";
import { median, percentile, round, type Figure } from "./report.js";
import type { DevServer } from "../scripts/wrangler-dev.js";
import type { Multiverse } from "../web/src/api/types.js";
import { layoutMultiverse } from "../web/src/multiverse/layout.js";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../scripts/chromium.js";

export async function benchDashboard(server: DevServer): Promise<Figure[]> {
  const worldLines = Number(process.env.DM_BENCH_DASHBOARD_WORLDLINES ?? 1000);
  const ledgerSize = Number(process.env.DM_BENCH_DASHBOARD_LEDGER ?? 1_000_000);
  const call = operatorCaller(server.baseUrl, server.vars.DM_OPERATOR_TOKEN!);
  const edges = await fillMultiverse(server, call, worldLines);
  const figures: Figure[] = [...layoutFigures(await call("GET", "/api/v1/multiverse"))];
  const browser = await launchChromium();
  try {
    const params = {
      worldLines,
      edges,
      viewport: "1440x900",
      browser: "Debian Chromium, headless, software rendering",
    };
    const renders: number[] = [];
    for (let i = 0; i < 3; i++) {
      const page = await open(browser, server, "#/multiverse");
      renders.push(await page.evaluate(() => performance.now())); // ms since navigation start, taken once the graph is painted (map or nodes) and answers frames
      if (i < 2) await page.context().close();
      else {
        figures.push({
          name: "multiverse first interactive render",
          value: round(median(renders), 1),
          unit: "ms",
          params: { ...params, runs: renders.map((r) => round(r, 1)) },
        });
        const fitView = await view(page);
        const fit = await panFrames(page);
        figures.push(
          frameFigure("multiverse pan frame time p50 (whole graph in view)", fit.frames, 50, { ...params, ...fitView }),
          frameFigure("multiverse pan frame time p95 (whole graph in view)", fit.frames, 95, { ...params, ...fitView }),
          droppedFigure("multiverse pan dropped frames (whole graph in view)", fit.trace, { ...params, ...fitView }),
        );
        // Zoomed in just past the point where the map gives way to DOM nodes: the most nodes the DOM ever holds.
        await page.mouse.move(720, 500);
        for (let z = 0; z < 60 && (await view(page)).view === "map"; z++) await page.mouse.wheel(0, -60);
        await page.waitForTimeout(500);
        const thresholdView = await view(page);
        const threshold = await panFrames(page);
        figures.push(
          frameFigure("multiverse pan frame time p95 (just past the map, most DOM nodes)", threshold.frames, 95, {
            ...params,
            ...thresholdView,
          }),
          droppedFigure("multiverse pan dropped frames (just past the map, most DOM nodes)", threshold.trace, {
            ...params,
            ...thresholdView,
          }),
        );
        for (let z = 0; z < 8; z++) await page.mouse.wheel(0, -240);
        await page.waitForTimeout(500);
        const zoomedView = await view(page);
        const zoomed = await panFrames(page);
        figures.push(
          frameFigure("multiverse pan frame time p50 (zoomed in, virtualised)", zoomed.frames, 50, {
            ...params,
            ...zoomedView,
          }),
          frameFigure("multiverse pan frame time p95 (zoomed in, virtualised)", zoomed.frames, 95, {
            ...params,
            ...zoomedView,
          }),
          droppedFigure("multiverse pan dropped frames (zoomed in, virtualised)", zoomed.trace, {
            ...params,
            ...zoomedView,
          }),
        );
        await page.context().close();
      }
    }

    await fillLedger(call, ledgerSize);
    const page = await open(browser, server, "#/ledger", '[data-testid="entry-row"]');
    const scroll = await scrollFrames(page);
    const lparams = { entries: ledgerSize, browser: params.browser };
    figures.push(
      frameFigure("audit log scroll frame time p50", scroll.frames, 50, { ...lparams, scrolledRows: scroll.rows }),
      frameFigure("audit log scroll frame time p95", scroll.frames, 95, { ...lparams, scrolledRows: scroll.rows }),
      droppedFigure("audit log scroll dropped frames", scroll.trace, { ...lparams, scrolledRows: scroll.rows }),
      {
        name: "audit log rows filled after a jump (p50)",
        value: round(median(scroll.fills), 1),
        unit: "ms",
        params: { ...lparams, jumps: scroll.fills.length },
      },
    );
    await page.context().close();
  } finally {
    await browser.close();
  }
  return figures;
}

type Call = (method: string, path: string, body?: unknown) => Promise<any>;

/**
 * The dashboard's layout (web/src/multiverse/layout.ts, dagre per family of world lines) timed in
 * Node's V8 on the served multiverse: the whole graph once, then again after one new fork, which
 * is what every live update costs (only the changed family is laid out again).
 */
function layoutFigures(graph: Multiverse): Figure[] {
  const params = {
    worldLines: graph.nodes.length,
    edges: graph.edges.length,
    where: "Node (V8), as in the browser's main thread",
  };
  let started = performance.now();
  layoutMultiverse(graph.nodes, graph.edges);
  const whole = performance.now() - started;
  const parent = graph.nodes[0]!;
  const fork = { ...parent, id: "wl_benchnewforkbenchnewfork00", name: "bench-new-fork", createdAt: Date.now() };
  started = performance.now();
  layoutMultiverse(
    [...graph.nodes, fork],
    [...graph.edges, { from: parent.id, to: fork.id, kind: "fork", commit: parent.head, at: fork.createdAt }],
  );
  const update = performance.now() - started;
  return [
    { name: "multiverse layout, whole graph", value: round(whole, 1), unit: "ms", params },
    { name: "multiverse layout after one new fork", value: round(update, 1), unit: "ms", params },
  ];
}

async function pool<T>(items: T[], width: number, work: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
      }
    }),
  );
}

/** A fifth of the world lines are roots, the rest forks of earlier ones, and one in twenty forks is merged back. */
async function fillMultiverse(server: DevServer, call: Call, total: number): Promise<number> {
  const started = Date.now();
  const ids: string[] = [];
  const roots = Math.max(1, Math.floor(total / 5));
  await pool(
    Array.from({ length: roots }, (_, i) => i),
    8,
    async (i) => {
      ids.push(
        (await call("POST", "/api/v1/worldlines", { name: `bench-root-${i}`, entities: { sun: { mass: i } } })).id,
      );
    },
  );
  const forks: Array<{ id: string; parent: string }> = [];
  await pool(
    Array.from({ length: total - roots }, (_, i) => i),
    8,
    async (i) => {
      const parent = ids[(i * 7919) % ids.length]!;
      const fork = await call("POST", `/api/v1/worldlines/${parent}/fork`, { name: `bench-fork-${i}` });
      ids.push(fork.id);
      forks.push({ id: fork.id, parent });
    },
  );
  const merged = forks.filter((_, i) => i % 20 === 0);
  await pool(merged, 4, async ({ id, parent }, i) => {
    await mergePatch(server, id, { [`moon-${i}`]: { mass: i } });
    await call("POST", `/api/v1/worldlines/${parent}/merge`, { source: id, strategy: "theirs" });
  });
  console.error(
    `  multiverse: ${ids.length} world lines, ${forks.length} forks, ${merged.length} merges in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  return forks.length + merged.length;
}

async function mergePatch(server: DevServer, id: string, patch: unknown): Promise<void> {
  const response = await fetch(`${server.baseUrl}/api/v1/worldlines/${id}/state`, {
    method: "PATCH",
    headers: {
      authorization: `Bearer ${server.vars.DM_OPERATOR_TOKEN}`,
      "content-type": "application/merge-patch+json",
    },
    body: JSON.stringify(patch),
  });
  if (!response.ok) throw new Error(`PATCH ${id}: ${response.status} ${await response.text()}`);
}

async function fillLedger(call: Call, target: number): Promise<void> {
  let size = (await call("GET", "/api/v1/ledger")).size as number;
  const started = Date.now();
  let lastLog = started;
  while (size < target) {
    const n = Math.min(1000, target - size);
    await call("POST", "/api/v1/ledger/anchors", {
      anchors: Array.from({ length: n }, (_, i) => ({
        subject: `bench-${size + i}`,
        root: bytesToHex(new Uint8Array(32).fill((size + i) % 251)),
        size: size + i,
      })),
    });
    size += n;
    if (Date.now() - lastLog > 15_000) {
      console.error(`  ledger filled to ${size}/${target}`);
      lastLog = Date.now();
    }
  }
  console.error(`  ledger at ${size} entries (${((Date.now() - started) / 1000).toFixed(0)} s to fill)`);
}

/** How the graph is drawn right now: the far-zoom canvas map or DOM nodes, at which zoom, with how many nodes in the DOM. */
async function view(page: Page): Promise<{ view: string; zoom: number; nodesInDom: number }> {
  return page.evaluate(() => ({
    view: document.querySelector('[data-testid="multiverse-graph"]')!.getAttribute("data-view")!,
    zoom:
      Math.round(
        Number(
          /scale\(([\d.]+)\)/.exec(
            (document.querySelector(".react-flow__viewport") as HTMLElement).style.transform,
          )?.[1],
        ) * 1000,
      ) / 1000,
    nodesInDom: document.querySelectorAll('[data-testid="wl-node"]').length,
  }));
}

async function open(
  browser: Browser,
  server: DevServer,
  hash: string,
  ready = '[data-testid="multiverse-map"], [data-testid="wl-node"]',
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.addInitScript(
    (token) => sessionStorage.setItem("dm-operator-token", token),
    server.vars.DM_OPERATOR_TOKEN!,
  );
  const page = await context.newPage();
  await page.goto(`${server.baseUrl}/${hash}`);
  await page.waitForSelector(ready, { timeout: 120_000 });
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))); // painted and answering frames
  return page;
}

/** Frame intervals (ms) sampled with requestAnimationFrame while `action` runs in the page. */
async function sampleFrames(page: Page, action: () => Promise<void>): Promise<number[]> {
  // Strings, not functions: tsx would wrap inner functions in a `__name` helper the page lacks.
  await page.evaluate(`(() => {
    window.__frames = [];
    window.__sampling = true;
    let last = performance.now();
    const tick = (now) => {
      window.__frames.push(now - last);
      last = now;
      if (window.__sampling) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })()`);
  await action();
  return page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __sampling: boolean };
    w.__sampling = false;
    return w.__frames.slice(1);
  });
}

/** What Chromium's trace says of the frames drawn while `action` ran (its PipelineReporter events, as DevTools counts them). */
interface FrameTrace {
  presented: number;
  partial: number;
  dropped: number;
}

/** Runs `action` under a Chromium performance trace and counts frames by their fate: presented, partially presented, dropped. */
async function traced<T>(page: Page, action: () => Promise<T>): Promise<{ result: T; trace: FrameTrace }> {
  const browser = page.context().browser()!;
  await browser.startTracing(page, { categories: ["disabled-by-default-devtools.timeline.frame", "cc", "benchmark"] });
  const result = await action();
  const events = JSON.parse((await browser.stopTracing()).toString("utf8")).traceEvents as Array<{
    name: string;
    ph: string;
    args?: { frame_reporter?: { state?: string } };
  }>;
  const trace: FrameTrace = { presented: 0, partial: 0, dropped: 0 };
  for (const event of events) {
    if (event.name !== "PipelineReporter" || event.ph !== "b") continue;
    const state = event.args?.frame_reporter?.state;
    if (state === "STATE_PRESENTED_ALL") trace.presented += 1;
    else if (state === "STATE_PRESENTED_PARTIAL") trace.partial += 1;
    else if (state === "STATE_DROPPED") trace.dropped += 1;
  }
  return { result, trace };
}

/** Drags the graph around a square, 4 × 40 mouse steps, sampling frames and tracing them. */
async function panFrames(page: Page): Promise<{ frames: number[]; trace: FrameTrace }> {
  const { result: frames, trace } = await traced(page, () => dragAround(page));
  return { frames, trace };
}

function dragAround(page: Page): Promise<number[]> {
  return sampleFrames(page, async () => {
    await page.mouse.move(400, 450);
    await page.mouse.down();
    const corners = [
      [700, 450],
      [700, 700],
      [400, 700],
      [400, 450],
    ] as const;
    let [x, y] = [400, 450];
    for (const [tx, ty] of corners) {
      for (let step = 1; step <= 40; step++) {
        await page.mouse.move(x + ((tx - x) * step) / 40, y + ((ty - y) * step) / 40);
      }
      [x, y] = [tx, ty];
    }
    await page.mouse.up();
  });
}

/** Scrolls the audit log: 300 wheel-sized steps, then 10 jumps across the whole log, timing how long until each jump's rows are filled. */
async function scrollFrames(
  page: Page,
): Promise<{ frames: number[]; trace: FrameTrace; fills: number[]; rows: number }> {
  const scroller = page.getByTestId("audit-scroller");
  const box = (await scroller.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const { result: frames, trace } = await traced(page, () =>
    sampleFrames(page, async () => {
      for (let i = 0; i < 300; i++) await page.mouse.wheel(0, 400);
    }),
  );
  const fills: number[] = [];
  for (let jump = 1; jump <= 10; jump++) {
    const fill = (await page.evaluate(`(async (fraction) => {
      const element = document.querySelector('[data-testid="audit-scroller"]');
      const start = performance.now();
      element.scrollTop = (element.scrollHeight - element.clientHeight) * fraction;
      const target = Math.floor((element.scrollTop + element.clientHeight / 2) / 28);
      for (;;) {
        await new Promise((resolve) => requestAnimationFrame(resolve));
        const rows = Array.from(document.querySelectorAll('[data-testid="entry-row"]')).map((row) => Number(row.getAttribute("data-index")));
        if (rows.some((index) => Math.abs(index - target) < 40)) return performance.now() - start;
        if (performance.now() - start > 20000) return NaN;
      }
    })(${jump / 10.5})`)) as number;
    fills.push(fill);
  }
  const rows = await page.evaluate(() =>
    Math.round((document.querySelector('[data-testid="audit-scroller"]') as HTMLElement).scrollHeight / 28),
  );
  return { frames, trace, fills: fills.filter(Number.isFinite), rows };
}

/** The share of frames with something to draw that Chromium dropped or only partly presented (what DevTools calls dropped and partially presented frames). */
function droppedFigure(name: string, trace: FrameTrace, params: Record<string, unknown>): Figure {
  const drawn = trace.presented + trace.partial + trace.dropped;
  return {
    name,
    value: drawn ? round((100 * (trace.dropped + trace.partial)) / drawn, 1) : 0,
    unit: "%",
    params: { ...params, ...trace, source: "Chromium trace, PipelineReporter" },
  };
}

function frameFigure(name: string, frames: number[], p: number, params: Record<string, unknown>): Figure {
  return {
    name,
    value: round(percentile(frames, p), 1),
    unit: "ms",
    params: { ...params, frames: frames.length, over33ms: frames.filter((f) => f > 33.4).length },
  };
}
