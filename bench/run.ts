// `npm run bench [-- <filter>]`: runs every benchmark whose name matches the filter, prints a
// table, writes bench/results.json. Benchmarks never run in `npm test`.
import { writeFileSync } from "node:fs";
import { startWranglerDev } from "../scripts/wrangler-dev.js";
import { machine, type Figure } from "./report.js";
import { benchWorldLines } from "./worldlines.js";
import { benchLedger } from "./ledger.js";
import { benchEvents } from "./events.js";
import { benchMesh } from "./mesh.js";
import { benchRouter } from "./router.js";
import { benchArbiter } from "./arbiter.js";
import { benchHalo } from "./halo.js";
import { benchDashboard } from "./dashboard.js";
import { benchMcp } from "./mcp.js";

const BENCHES: Record<string, (server: Awaited<ReturnType<typeof startWranglerDev>>) => Promise<Figure[]>> = {
  worldlines: benchWorldLines,
  ledger: benchLedger,
  events: benchEvents,
  mesh: benchMesh,
  "mesh-router": benchRouter, // `npm run bench -- mesh` runs it too (names match by substring)
  arbiter: benchArbiter,
  halo: benchHalo,
  dashboard: benchDashboard,
  mcp: benchMcp,
};

const filter = process.argv[2] ?? "";
const selected = Object.entries(BENCHES).filter(([name]) => name.includes(filter));
if (selected.length === 0) {
  console.error(`no benchmark matches "${filter}"; choose from: ${Object.keys(BENCHES).join(", ")}`);
  process.exit(2);
}

const server = await startWranglerDev();
const figures: Figure[] = [];
try {
  for (const [name, bench] of selected) {
    console.error(`▸ ${name}`);
    figures.push(...(await bench(server)));
  }
} finally {
  server.stop();
}

const results = { machine: machine(), figures };
writeFileSync("bench/results.json", JSON.stringify(results, null, 2) + "\n");
console.table(
  figures.map((f) => ({ name: f.name, value: f.value, unit: f.unit, params: JSON.stringify(f.params ?? {}) })),
);
console.log(JSON.stringify(results));
