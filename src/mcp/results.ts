// What a tool answers (MCP 2025-11-25 "Tools"): its result document as JSON text (and as
// `structuredContent` when it is an object), or a tool error (`isError: true`) whose text is the
// problem's detail and field errors — the same words the REST API would answer with — so an LLM
// can correct its call. Transport errors are kept for what is not the tool's business.
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { DomainError, type Problem } from "../core/problem.js";

/** A tool's successful result: the document as pretty JSON text, and structured when it is an object. */
export function jsonResult(value: unknown): CallToolResult {
  const structured = value !== null && typeof value === "object" && !Array.isArray(value);
  return {
    content: [{ type: "text", text: typeof value === "string" ? value : JSON.stringify(value, null, 2) }],
    ...(structured && { structuredContent: value as Record<string, unknown> }),
  };
}

/** A tool error from a problem: its detail, then each field error as `path: message`. */
export function problemResult(
  problem: Pick<Problem, "detail" | "code"> & { errors?: Problem["errors"] },
): CallToolResult {
  const fields = (problem.errors ?? []).map((error) => `${error.path || "/"}: ${error.message}`);
  return {
    isError: true,
    content: [{ type: "text", text: [`${problem.detail} (${problem.code})`, ...fields].join("\n") }],
  };
}

/** Runs a tool's work: its value becomes the result, a DomainError (`unwrap` of a failed Outcome) a tool error. */
export async function toolCall(work: () => unknown): Promise<CallToolResult> {
  try {
    return jsonResult(await work());
  } catch (error) {
    if (error instanceof DomainError) return problemResult(error.toProblem());
    throw error;
  }
}
