// One world line in the graph (seed 000 `EnvNode.tsx`): blue, green, quarantined and terminated
// are drawn distinctly (colour, border style, and a word, so colour is never the only cue).
import { memo } from "react";
import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import type { MultiverseNode } from "../api/types";

export type EnvNodeData = { worldLine: MultiverseNode; selected: boolean };
export type EnvFlowNode = Node<EnvNodeData, "env">;

export function envState(node: MultiverseNode): "blue" | "green" | "quarantined" | "terminated" {
  if (node.status === "terminated") return "terminated";
  if (node.status === "quarantined") return "quarantined";
  return node.color;
}

export const EnvNode = memo(function EnvNode({ data }: NodeProps<EnvFlowNode>) {
  const { worldLine, selected } = data;
  const state = envState(worldLine);
  return (
    <div className={`env-node env-${state}${selected ? " env-selected" : ""}`} data-testid="wl-node" data-name={worldLine.name} data-id={worldLine.id} data-state={state} title={`${worldLine.name} (${worldLine.id})`}>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="env-name">{worldLine.name}</div>
      <div className="env-meta">
        <span className="env-state">{state}</span> · {worldLine.privacy} · {worldLine.head.slice(0, 7)}
      </div>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});
