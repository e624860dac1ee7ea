// Figures as DESIGN asks: {"machine": {...}, "figures": [{name, value, unit, params}]}; growth
// figures carry both sizes and their ratio.
import { cpus, totalmem, platform, release } from "node:os";

export interface Figure {
  name: string;
  value: number;
  unit: string;
  params?: Record<string, unknown>;
}

export const machine = () => ({
  node: process.version,
  platform: `${platform()} ${release()}`,
  cpus: cpus().length,
  cpu: cpus()[0]?.model ?? "unknown",
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  date: new Date().toISOString(),
});

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const median = (samples: number[]) => percentile(samples, 50);
export const round = (value: number, digits = 3) => Number(value.toFixed(digits));

/** One figure per size plus the ratio of the largest to the smallest. */
export function growth(
  name: string,
  unit: string,
  bySize: Map<number, number>,
  params: Record<string, unknown> = {},
): Figure[] {
  const sizes = [...bySize.keys()].sort((a, b) => a - b);
  const figures: Figure[] = sizes.map((size) => ({
    name,
    value: round(bySize.get(size)!),
    unit,
    params: { ...params, size },
  }));
  const small = sizes[0]!;
  const large = sizes[sizes.length - 1]!;
  figures.push({
    name: `${name} ratio`,
    value: round(bySize.get(large)! / bySize.get(small)!, 2),
    unit: "x",
    params: { ...params, sizes: [large, small], ratioOf: `${large}/${small}` },
  });
  return figures;
}

export async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const result = await work();
  return [performance.now() - start, result];
}
