// Consensus-ledger costs at 1k and 1M entries, over HTTP against wrangler dev (the ledger is one
// Durable Object). The log is filled with `anchor` entries in batches of 1000 (POST /ledger/anchors).
// Reference ceilings (issue 3): SHA3-256 of 64 bytes ≈ 6–7 µs in workerd, so a Merkle append is
// hash-bound near 100k/s in memory; Ed25519 verify ≈ 15k/s via WebCrypto, 1.3k/s via noble.
import { bytesToHex } from "../src/core/hash.js";
import { verifyInclusionHex } from "../src/core/merkle-verify.js";
import { operatorCaller } from "../scripts/http-json.js";
import { growth, median, percentile, round, timed, type Figure } from "./report.js";
import type { DevServer } from "../scripts/wrangler-dev.js";

const BATCH = 1000;

export async function benchLedger(server: DevServer, options: { large?: number } = {}): Promise<Figure[]> {
  const large = options.large ?? Number(process.env.DM_BENCH_LEDGER_SIZE ?? 1_000_000);
  const call = operatorCaller(server.baseUrl, server.vars.DM_OPERATOR_TOKEN!);
  let counter = 0;
  const anchors = (n: number) => ({
    anchors: Array.from({ length: n }, () => ({
      subject: `bench-${counter}`,
      root: bytesToHex(new Uint8Array(32).fill(counter++ % 251)),
      size: counter,
    })),
  });
  const size = async () => (await call("GET", "/api/v1/ledger")).size as number;
  const fillTo = async (target: number) => {
    let current = await size();
    let lastLog = Date.now();
    while (current < target) {
      const n = Math.min(BATCH, target - current);
      await call("POST", "/api/v1/ledger/anchors", anchors(n));
      current += n;
      if (Date.now() - lastLog > 15_000) {
        console.error(`  ledger filled to ${current}/${target}`);
        lastLog = Date.now();
      }
    }
  };

  const batchRate = new Map<number, number>();
  const singleLatency = new Map<number, number>();
  const proofLatency = new Map<number, number>();
  const proofVerify = new Map<number, number>();
  const figures: Figure[] = [];
  const verifyRate = new Map<number, number>();

  for (const target of [1_000, large]) {
    await fillTo(target);
    const batches: number[] = [];
    for (let i = 0; i < 5; i++)
      batches.push((await timed(() => call("POST", "/api/v1/ledger/anchors", anchors(BATCH))))[0]);
    batchRate.set(target, BATCH / (median(batches) / 1000));
    const singles: number[] = [];
    for (let i = 0; i < 50; i++)
      singles.push((await timed(() => call("POST", "/api/v1/ledger/anchors", anchors(1))))[0]);
    singleLatency.set(target, median(singles));

    const n = await size();
    const proofs: number[] = [];
    let verifyMicros = 0;
    for (let i = 0; i < 50; i++) {
      const index = Math.floor((i * 7919 * 104729) % n);
      const [ms, proof] = await timed(() => call("GET", `/api/v1/ledger/proofs/inclusion?index=${index}`));
      proofs.push(ms);
      const start = performance.now();
      for (let r = 0; r < 20; r++) {
        const verified = verifyInclusionHex(proof.leafHash, index, proof.size, proof.proof, proof.root);
        if (!verified.ok) throw new Error(`proof failed: ${verified.reason}: ${verified.detail}`);
      }
      verifyMicros += ((performance.now() - start) / 20) * 1000;
    }
    proofLatency.set(target, median(proofs));
    proofVerify.set(target, verifyMicros / 50);
    const [verifyMs, verified] = await timed(() => call("POST", "/api/v1/ledger/verify"));
    if (!verified.ok) throw new Error(`verify failed: ${JSON.stringify(verified)}`);
    verifyRate.set(target, verified.size / (verifyMs / 1000));
    console.error(`  verify of ${verified.size} entries took ${round(verifyMs / 1000, 1)} s`);
    if (target === large) {
      figures.push({
        name: "ledger.inclusion_proof.length",
        value: (await call("GET", `/api/v1/ledger/proofs/inclusion?index=0`)).proof.length,
        unit: "hashes",
        params: { size: n },
      });
      const p99 = percentile(proofs, 99);
      figures.push({ name: "ledger.inclusion_proof.latency.p99", value: round(p99), unit: "ms", params: { size: n } });
    }
  }
  return [
    ...growth("ledger.append.batch_of_1000.rate", "entries/s", batchRate, { note: "ratio should stay near 1" }),
    ...growth("ledger.append.single.latency.p50", "ms", singleLatency, { note: "one anchor per HTTP request" }),
    ...growth("ledger.inclusion_proof.latency.p50", "ms", proofLatency),
    ...growth("ledger.inclusion_proof.verify.cpu", "µs", proofVerify, { where: "Node, src/core/merkle-verify.ts" }),
    ...growth("ledger.verify.throughput", "entries/s", verifyRate, {
      checks: "hash links, entry hashes, leaves, root, signatures",
    }),
    ...figures,
  ];
}
