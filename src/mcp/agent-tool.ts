// One tool of a hosted agent's MCP server (mesh spec §17): its reference name, a description for
// the model, MCP 2025-11-25 tool annotations, the zod schema of its single `params` argument (from
// src/schemas/mesh-tools.ts; none for the tools that take no arguments), and what it does with the
// agent. The tool files (agent-*-tools.ts) hold the definitions; agent-server.ts registers them.
import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type { z } from "zod";
import type { MeshToolName } from "../schemas/mesh-tools.js";
import type { AgentRpc } from "../stubs.js";

/** What a tool works with: the Worker's environment, the agent's name and its Agent object. */
export interface AgentToolContext {
  env: Env;
  name: string;
  /** The agent's Durable Object (the hub is made on first use, as the operator API makes it). */
  agent(): Promise<AgentRpc>;
}

export interface AgentTool {
  name: MeshToolName;
  title: string;
  description: string;
  annotations: ToolAnnotations;
  /** The `params` object's schema; undefined for a tool without arguments. */
  params?: z.ZodType;
  run(context: AgentToolContext, params: unknown): unknown;
}

/** A tool with one `params` argument, validated by `params` before `run` sees it. */
export function withParams<S extends z.ZodType>(
  tool: Omit<AgentTool, "params" | "run"> & { params: S; run(context: AgentToolContext, params: z.output<S>): unknown },
): AgentTool {
  return tool as AgentTool;
}

/** A tool without arguments. */
export function withoutParams(
  tool: Omit<AgentTool, "params" | "run"> & { run(context: AgentToolContext): unknown },
): AgentTool {
  return tool as AgentTool;
}

/** Annotations of a tool that only reads this agent's own state. */
export const READS: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
