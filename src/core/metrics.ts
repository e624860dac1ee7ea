// Metrics in the Prometheus text exposition format (version 0.0.4:
// https://prometheus.io/docs/instrumenting/exposition_formats/), pure. The figures come from the
// stores and objects that already hold the truth (src/metrics/collect.ts); this module only names,
// types and writes them. Written here rather than with prom-client: that library keeps counters in
// the process's memory, which a Worker does not have across isolates, and it depends on Node.
// Names follow the Prometheus naming conventions: `darkmatter_` prefix, base units, `_total` on
// counters, `_seconds` for durations.

export type MetricType = "counter" | "gauge" | "histogram";

export interface Sample {
  /** Appended to the family name (`_bucket`, `_sum`, `_count` for histograms). */
  suffix?: string;
  labels?: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

/** Latency histogram bounds in seconds (Prometheus's default buckets, from 5 ms to 10 s). */
export const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Index of the first bucket whose bound holds `ms` (LATENCY_BUCKETS_SECONDS.length for +Inf). */
export function latencyBucket(ms: number): number {
  const seconds = ms / 1000;
  const index = LATENCY_BUCKETS_SECONDS.findIndex((bound) => seconds <= bound);
  return index < 0 ? LATENCY_BUCKETS_SECONDS.length : index;
}

/** A histogram's samples from per-bucket (non-cumulative) counts, the sum and the count. */
export function histogramSamples(
  labels: Record<string, string>,
  perBucket: readonly number[],
  sumSeconds: number,
  count: number,
): Sample[] {
  let cumulative = 0;
  const samples: Sample[] = LATENCY_BUCKETS_SECONDS.map((bound, i) => {
    cumulative += perBucket[i] ?? 0;
    return { suffix: "_bucket", labels: { ...labels, le: String(bound) }, value: cumulative };
  });
  samples.push({ suffix: "_bucket", labels: { ...labels, le: "+Inf" }, value: count });
  samples.push({ suffix: "_sum", labels, value: sumSeconds });
  samples.push({ suffix: "_count", labels, value: count });
  return samples;
}

/** Label values escape backslash, double quote and line feed (the format's only escapes). */
const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
const escapeHelp = (value: string) => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The exposition text: each family's HELP and TYPE, then its samples; families sorted by name. */
export function formatMetrics(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of [...families].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`invalid metric name ${family.name}`);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      const entries = Object.entries(sample.labels ?? {});
      for (const [name] of entries) if (!LABEL_NAME.test(name)) throw new Error(`invalid label name ${name}`);
      const labels = entries.length
        ? `{${entries.map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(",")}}`
        : "";
      lines.push(`${family.name}${sample.suffix ?? ""}${labels} ${formatValue(sample.value)}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** The content type Prometheus asks for (text format 0.0.4). */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
