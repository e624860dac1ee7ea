// The arbiter of one world line (seed 001): threat, last decision, T_Λ, PID, journal, and the
// genome weights over time, read from the journal's beats and from each status the dashboard sees.
import { useEffect, useRef, useState } from "react";
import { api, ok } from "../api/client";
import type { GenomeWeights } from "../api/types";
import { useResource } from "../hooks/useResource";
import { short, when } from "../components/JsonView";
import { Unavailable } from "../components/ProblemMessage";
import { GenomeChart, type WeightSample } from "./GenomeChart";
import { THREAT_ALERT, THREAT_QUARANTINE } from "../../../src/core/arbiter/decision";
import { CORE_NAMES } from "../../../src/core/arbiter/genome";

const MAX_SAMPLES = 500;

function isWeights(value: unknown): value is GenomeWeights {
  const w = value as Record<string, unknown> | null;
  return !!w && CORE_NAMES.every((key) => typeof w[key] === "number");
}

export function ArbiterView({ id }: { id: string }) {
  const status = useResource(
    `arbiter:${id}`,
    () => ok(api().GET("/api/v1/worldlines/{id}/arbiter", { params: { path: { id } } })),
    ["arbiter"],
  );
  const journal = useResource(
    status.data ? `journal:${id}` : null,
    () =>
      ok(api().GET("/api/v1/worldlines/{id}/arbiter/journal", { params: { path: { id }, query: { limit: 1000 } } })),
    ["arbiter"],
  );
  const seen = useRef(new Map<number, GenomeWeights>());
  const [samples, setSamples] = useState<WeightSample[]>([]);

  useEffect(() => {
    const map = seen.current;
    for (const entry of journal.data?.entries ?? []) {
      const data = entry.data as Record<string, unknown>;
      const weights = [
        data.weights,
        data.weightsAfter,
        (data.genome as Record<string, unknown> | undefined)?.weights,
      ].find(isWeights);
      const beat = typeof data.beat === "number" ? data.beat : entry.index;
      if (weights) map.set(beat, weights);
    }
    const decision = status.data?.lastDecision;
    if (decision) map.set(decision.beat, decision.weights);
    else if (status.data) map.set(status.data.beats, status.data.genome.weights);
    setSamples(
      [...map.entries()]
        .sort(([a], [b]) => a - b)
        .slice(-MAX_SAMPLES)
        .map(([beat, weights]) => ({ beat, weights })),
    );
  }, [status.data, journal.data]);

  if (status.error) return <Unavailable what="Arbiter status and actions" error={status.error} />;
  const s = status.data;
  if (!s) return <p className="muted">loading the arbiter…</p>;
  const threat = s.lastDecision?.threat;
  return (
    <section data-testid="arbiter">
      <dl className="facts">
        <dt>arbiter</dt>
        <dd>{s.enabled ? `on, every ${s.intervalMs} ms` : "off"}</dd>
        <dt>threat</dt>
        <dd
          className={
            threat !== undefined && threat >= THREAT_QUARANTINE
              ? "bad"
              : threat !== undefined && threat >= THREAT_ALERT
                ? "warn"
                : ""
          }
        >
          {threat?.toFixed(3) ?? "—"}
        </dd>
        <dt>decision</dt>
        <dd>
          {s.lastDecision
            ? `${s.lastDecision.action} at beat ${s.lastDecision.beat} (${when(s.lastDecision.at)})`
            : "no beat yet"}
        </dd>
        <dt>T_Λ</dt>
        <dd>{s.tLambda.toFixed(4)} s</dd>
        <dt>PID</dt>
        <dd>
          error {s.pid.error.toFixed(3)}, output {s.pid.output.toFixed(3)}, {s.pid.stable ? "stable" : "unstable"}
        </dd>
        <dt>genome</dt>
        <dd>
          R {s.genome.weights.R.toFixed(3)} · B {s.genome.weights.B.toFixed(3)} · E {s.genome.weights.E.toFixed(3)} · O{" "}
          {s.genome.weights.O.toFixed(3)}
        </dd>
        <dt>journal</dt>
        <dd>
          {s.journal.size} entries, root <code>{short(s.journal.root, 16)}</code>
        </dd>
      </dl>
      <h4>Genome weights over time</h4>
      <GenomeChart samples={samples} />
    </section>
  );
}
