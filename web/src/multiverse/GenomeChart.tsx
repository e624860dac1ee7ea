// Genome weights R, B, E, O over beats, as a small SVG line chart.
import type { GenomeWeights } from "../api/types";
import { CORE_NAMES, type CoreName } from "../../../src/core/arbiter/genome";

export interface WeightSample {
  beat: number;
  weights: GenomeWeights;
}

const COLOURS: Record<CoreName, string> = { R: "#dd6b20", B: "#3182ce", E: "#e53e3e", O: "#38a169" };
const SERIES = CORE_NAMES.map((key) => [key, COLOURS[key]] as const);

export function GenomeChart({
  samples,
  width = 360,
  height = 120,
}: {
  samples: WeightSample[];
  width?: number;
  height?: number;
}) {
  if (samples.length < 2) return <p className="muted">The chart appears after two beats with genome weights.</p>;
  const beats = samples.map((s) => s.beat);
  const minBeat = Math.min(...beats);
  const span = Math.max(1, Math.max(...beats) - minBeat);
  const values = samples.flatMap((s) => SERIES.map(([key]) => s.weights[key]));
  const top = Math.max(...values, 0.0001);
  const bottom = Math.min(...values, 0);
  const x = (beat: number) => 28 + ((beat - minBeat) / span) * (width - 36);
  const y = (value: number) => 8 + (1 - (value - bottom) / (top - bottom || 1)) * (height - 24);
  return (
    <svg className="genome-chart" width={width} height={height} role="img" aria-label="genome weights over beats">
      <line x1={28} x2={width - 8} y1={height - 16} y2={height - 16} stroke="#cbd5e0" />
      <text x={2} y={12} fontSize={9}>
        {top.toFixed(2)}
      </text>
      <text x={2} y={height - 16} fontSize={9}>
        {bottom.toFixed(2)}
      </text>
      <text x={28} y={height - 3} fontSize={9}>
        beat {minBeat}
      </text>
      <text x={width - 60} y={height - 3} fontSize={9}>
        beat {minBeat + span}
      </text>
      {SERIES.map(([key, colour]) => (
        <g key={key}>
          <polyline
            fill="none"
            stroke={colour}
            strokeWidth={1.5}
            points={samples.map((s) => `${x(s.beat)},${y(s.weights[key])}`).join(" ")}
          />
          <text
            x={width - 8}
            y={y(samples[samples.length - 1]!.weights[key])}
            fontSize={9}
            fill={colour}
            textAnchor="end"
          >
            {key}
          </text>
        </g>
      ))}
    </svg>
  );
}
