// One world line in the graph (seed 000 `EnvNode.tsx`): blue, green, quarantined and terminated
// are drawn distinctly (colour, border style, and a word, so colour is never the only cue).
import { memo } from "react";
import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import type { MultiverseNode } from "../api/types";

export type WorldLineNodeData = { worldLine: MultiverseNode; selected: boolean };
export type WorldLineFlowNode = Node<WorldLineNodeData, "worldLine">;

/** How a world line is drawn: quarantined or terminated when it is, else its colour. */
export type WorldLineState = MultiverseNode["color"] | Exclude<MultiverseNode["status"], "active">;
/** Every state, in the order the far-zoom map paints them. */
export const WORLD_LINE_STATES: readonly WorldLineState[] = ["blue", "green", "quarantined", "terminated"];

export function worldLineState(node: MultiverseNode): WorldLineState {
  if (node.status === "terminated") return "terminated";
  if (node.status === "quarantined") return "quarantined";
  return node.color;
}

export const WorldLineNode = memo(function WorldLineNode({ data }: NodeProps<WorldLineFlowNode>) {
  const { worldLine, selected } = data;
  const state = worldLineState(worldLine);
  return (
    <div
      className={`wl-node wl-${state}${selected ? " wl-selected" : ""}`}
      data-testid="wl-node"
      data-name={worldLine.name}
      data-id={worldLine.id}
      data-state={state}
      title={`${worldLine.name} (${worldLine.id})`}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="wl-name">{worldLine.name}</div>
      <div className="wl-meta">
        <span className="wl-state">{state}</span> · {worldLine.privacy} · {worldLine.head.slice(0, 7)}
      </div>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});
