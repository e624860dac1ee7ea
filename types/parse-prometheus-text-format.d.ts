// parse-prometheus-text-format ships no types: what test/metrics and the e2e tests read of its result.
declare module "parse-prometheus-text-format" {
  export default function parsePrometheusTextFormat(text: string): Array<{
    name: string;
    help: string;
    type: string;
    metrics: Array<Record<string, unknown>>;
  }>;
}
