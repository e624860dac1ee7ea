// The message router of a hosted agent (seed 002 "Extensible Message Router" and "Agent
// Auto-Spawn"; mesh spec §11.8), pure: which decision a router takes for a message, the rules'
// matching, the canned RESPOND text, the handler's limits (seed 002's configuration table:
// 2 concurrent, 6 per hour, 300 s) and reading the handler's answer. What the agent does with a
// decision (respond, forward, drop, call the handler) is src/mesh/agent/router.ts.
//
// Rules match on plain data only — keyword substrings, an exact sender, exact metadata values —
// so no user-supplied regular expression can backtrack catastrophically.
import { z } from "zod";
import {
  HandlerAnswer,
  type RouterConfig,
  type RouterHandler,
  type RoutingRule,
  type StoredRouter,
} from "../../schemas/router.js";
import type { FieldError } from "../problem.js";
import { MAX_CONTENT_CODE_POINTS } from "./limits.js";
import { checkHandlerUrl } from "./ssrf.js";

/** A new agent's router: today's behaviour, every message waits in the inbox. */
export const DEFAULT_ROUTER: StoredRouter = { version: 0, updated_at: null, router: { mode: "queue_only", rules: [] } };

/** The fields of an inbox message a router reads. */
export interface RoutedMessage {
  message_id: string;
  content: string;
  metadata: unknown;
  from_agent_id: string;
  hops_remaining: number;
}

export type RouteDecision =
  | { action: "queue"; rule: number | null; reason: string }
  | { action: "handle"; rule: number | null }
  | { action: "forward"; rule: number; targets: string[]; note: string }
  | { action: "respond"; rule: number; response: string }
  | { action: "drop"; rule: number };

/**
 * The chain: the rules in order (rules_only, rules_first), the first decision other than PASS
 * wins; then the handler (rules_first, spawn) or the inbox. `queue_only` keeps everything.
 */
export function decideRoute(router: RouterConfig, message: RoutedMessage): RouteDecision {
  if (router.mode === "queue_only") return { action: "queue", rule: null, reason: "the router is queue_only" };
  if (router.mode !== "spawn")
    for (const [index, rule] of router.rules.entries()) {
      if (rule.action === "PASS" || !ruleMatches(rule, message)) continue;
      return ruleDecision(rule, index, message);
    }
  if (router.mode === "rules_only") return { action: "queue", rule: null, reason: "no rule decided" };
  return router.handler
    ? { action: "handle", rule: null }
    : { action: "queue", rule: null, reason: "no rule decided and no handler is set" };
}

function ruleDecision(rule: RoutingRule, index: number, message: RoutedMessage): RouteDecision {
  switch (rule.action) {
    case "HANDLE":
      return { action: "handle", rule: index };
    case "FORWARD":
      return {
        action: "forward",
        rule: index,
        targets: rule.targets!,
        note: `Auto-forwarded by router: ${rule.note || `rule ${index}`}`, // §11.8's note
      };
    case "RESPOND":
      return { action: "respond", rule: index, response: renderResponse(rule.response!, message) };
    case "DROP":
      return { action: "drop", rule: index };
    case "PASS":
      throw new Error("PASS never decides");
  }
}

/** Every condition given must hold: any keyword (case-insensitive substring), the exact sender, each metadata value exactly. */
export function ruleMatches(rule: Pick<RoutingRule, "match">, message: RoutedMessage): boolean {
  const { keywords, from_agent_id, metadata } = rule.match;
  if (from_agent_id !== undefined && from_agent_id !== message.from_agent_id) return false;
  if (keywords) {
    const content = message.content.toLowerCase();
    if (!keywords.some((keyword) => content.includes(keyword.toLowerCase()))) return false;
  }
  if (metadata) {
    const held = message.metadata;
    if (typeof held !== "object" || held === null || Array.isArray(held)) return false;
    for (const [key, value] of Object.entries(metadata))
      if (!Object.hasOwn(held, key) || (held as Record<string, unknown>)[key] !== value) return false;
  }
  return true;
}

const PLACEHOLDER = /\{\{\s*(content|from_agent_id|message_id|hops_remaining|metadata\.[A-Za-z0-9_.-]{1,128})\s*\}\}/g;

/** RESPOND's text with the message's fields quoted in; unknown placeholders stay as written. */
export function renderResponse(template: string, message: RoutedMessage): string {
  const text = template.replace(PLACEHOLDER, (_, field: string) => {
    if (field === "content") return message.content;
    if (field === "from_agent_id") return message.from_agent_id;
    if (field === "message_id") return message.message_id;
    if (field === "hops_remaining") return String(message.hops_remaining);
    const key = field.slice("metadata.".length);
    const metadata = message.metadata;
    const value =
      typeof metadata === "object" && metadata !== null && Object.hasOwn(metadata, key)
        ? (metadata as Record<string, unknown>)[key]
        : undefined;
    return value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
  });
  if (text.length <= MAX_CONTENT_CODE_POINTS) return text;
  return Array.from(text).slice(0, MAX_CONTENT_CODE_POINTS).join(""); // §12.1: content is bounded in code points
}

/** What the schema cannot see: the handler URL against the Worker's own origin (ssrf.ts checkHandlerUrl). */
export function routerProblems(router: RouterConfig, ownPublicUrl: string): FieldError[] {
  if (!router.handler) return [];
  const refused = checkHandlerUrl(router.handler.url, ownPublicUrl);
  return refused ? [{ in: "body", path: "/handler/url", message: refused }] : [];
}

// ---- handler limits -------------------------------------------------------------------------

const HOUR_MS = 3_600_000;

export type HandlerAdmission = { ok: true; recentCalls: number[] } | { ok: false; reason: string };

/** Seed 002's guards: under maxConcurrent calls now and maxPerHour calls in the last rolling hour. */
export function admitHandlerCall(
  state: { inFlight: number; recentCalls: readonly number[] },
  limits: Pick<RouterHandler, "maxConcurrent" | "maxPerHour">,
  now: number,
): HandlerAdmission {
  const recentCalls = state.recentCalls.filter((at) => at > now - HOUR_MS);
  if (state.inFlight >= limits.maxConcurrent)
    return { ok: false, reason: `over maxConcurrent: ${state.inFlight} handler calls are running` };
  if (recentCalls.length >= limits.maxPerHour)
    return { ok: false, reason: `over maxPerHour: ${recentCalls.length} handler calls in the last hour` };
  return { ok: true, recentCalls: [...recentCalls, now] };
}

/** The handler's reply as an answer, or why it is not one (a non-2xx, not JSON, not one of the four shapes). */
export function readHandlerAnswer(status: number, text: string): { answer: HandlerAnswer } | { error: string } {
  if (status < 200 || status > 299) return { error: `the handler answered HTTP ${status}` };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { error: "the handler's answer is not JSON" };
  }
  const parsed = HandlerAnswer.safeParse(body);
  if (!parsed.success)
    return {
      error: `the handler's answer is not {"response"}, {"forward"}, {"drop": true} or {"defer": true}: ${z.prettifyError(parsed.error).slice(0, 300)}`,
    };
  return { answer: parsed.data };
}

/** Which of the four answers it is, for the decision record. */
export function answerKind(answer: HandlerAnswer): "response" | "forward" | "drop" | "defer" {
  if ("response" in answer) return "response";
  if ("forward" in answer) return "forward";
  return "drop" in answer ? "drop" : "defer";
}
