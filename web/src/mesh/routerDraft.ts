// The router editor's working copy: a StoredRouter as form fields (text, one keyword or target a
// line), turned back into the PUT body, and the server's 422 field errors (JSON Pointers into that
// body) placed at the fields that show them. The server judges the router (src/schemas/router.ts);
// the editor only refuses what it cannot put into JSON at all.
import type { FieldProblem, RouterInput, RouterMode, RuleAction, RoutingRule, StoredRouter } from "../api/types";

export const MODES: Record<RouterMode, string> = {
  queue_only: "keep every message in the inbox",
  rules_only: "the rules decide; otherwise keep the message",
  rules_first: "the rules decide; otherwise the handler",
  spawn: "every message goes to the handler",
};

export const ACTIONS: Record<RuleAction, string> = {
  HANDLE: "call the handler",
  FORWARD: "forward to the targets",
  RESPOND: "answer with the response",
  DROP: "drop the message",
  PASS: "decide nothing: the next rule decides",
};

export interface RuleDraft {
  /** A React key that stays with the rule when it moves. */
  key: number;
  keywords: string;
  fromAgentId: string;
  /** A JSON object, or blank for none. */
  metadata: string;
  action: RuleAction;
  targets: string;
  response: string;
  note: string;
}

export interface HandlerDraft {
  url: string;
  maxConcurrent: string;
  maxPerHour: string;
  timeoutSeconds: string;
}

export interface RouterDraft {
  /** The version the draft was loaded from: the save's If-Match. */
  version: number;
  mode: RouterMode;
  rules: RuleDraft[];
  hasHandler: boolean;
  /** Kept while the handler is cleared, so setting it again brings the fields back. */
  handler: HandlerDraft;
}

let nextKey = 0;

export function newRule(): RuleDraft {
  return {
    key: nextKey++,
    keywords: "",
    fromAgentId: "",
    metadata: "",
    action: "PASS",
    targets: "",
    response: "",
    note: "",
  };
}

function ruleDraft(rule: RoutingRule): RuleDraft {
  const match = rule.match ?? {};
  return {
    ...newRule(),
    keywords: (match.keywords ?? []).join("\n"),
    fromAgentId: match.from_agent_id ?? "",
    metadata: match.metadata ? JSON.stringify(match.metadata) : "",
    action: rule.action,
    targets: (rule.targets ?? []).join("\n"),
    response: rule.response ?? "",
    note: rule.note ?? "",
  };
}

export function draftOf(stored: StoredRouter): RouterDraft {
  const { mode, rules, handler } = stored.router;
  return {
    version: stored.version,
    mode,
    rules: rules.map(ruleDraft),
    hasHandler: handler !== undefined,
    handler: {
      url: handler?.url ?? "",
      maxConcurrent: handler ? String(handler.maxConcurrent) : "",
      maxPerHour: handler ? String(handler.maxPerHour) : "",
      timeoutSeconds: handler ? String(handler.timeoutSeconds) : "",
    },
  };
}

const lines = (text: string) =>
  text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);

/** A blank limit is left to the server's default; anything but a number goes as typed, for the server to name. */
function limit(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/**
 * The PUT body for a draft, or the fields that cannot become JSON (metadata that does not parse),
 * reported the way the server reports its own: a JSON Pointer and a message.
 */
export function routerBody(draft: RouterDraft): { body: RouterInput } | { errors: FieldProblem[] } {
  const errors: FieldProblem[] = [];
  const rules = draft.rules.map((rule, index) => {
    const keywords = lines(rule.keywords);
    const targets = lines(rule.targets);
    let metadata: unknown;
    if (rule.metadata.trim()) {
      try {
        metadata = JSON.parse(rule.metadata);
      } catch (error) {
        errors.push({
          path: `/rules/${index}/match/metadata`,
          message: `not JSON (${error instanceof Error ? error.message : String(error)}); write an object such as {"priority": "high"}`,
        });
      }
    }
    return {
      match: {
        ...(keywords.length > 0 && { keywords }),
        ...(rule.fromAgentId.trim() && { from_agent_id: rule.fromAgentId.trim() }),
        ...(metadata !== undefined && { metadata }),
      },
      action: rule.action,
      ...(rule.action === "FORWARD" && targets.length > 0 && { targets }),
      ...(rule.action === "RESPOND" && rule.response.trim() && { response: rule.response }),
      ...(rule.note.trim() && { note: rule.note }),
    };
  });
  if (errors.length > 0) return { errors };
  const { url, maxConcurrent, maxPerHour, timeoutSeconds } = draft.handler;
  const handler = {
    url: url.trim(),
    maxConcurrent: limit(maxConcurrent),
    maxPerHour: limit(maxPerHour),
    timeoutSeconds: limit(timeoutSeconds),
  };
  // What does not fit the types (a limit typed as words, metadata that is not an object) is the
  // server's to refuse, with its own message at the field: the cast only lets it through.
  const body = { mode: draft.mode, rules, ...(draft.hasHandler && { handler }) } as RouterInput;
  return { body };
}

/** Every field the editor shows errors at, for a router of `ruleCount` rules ("" is the editor as a whole). */
export function fieldPointers(ruleCount: number): string[] {
  const pointers = ["", "/mode", "/rules", "/handler", "/handler/url"];
  pointers.push("/handler/maxConcurrent", "/handler/maxPerHour", "/handler/timeoutSeconds");
  for (let i = 0; i < ruleCount; i++) {
    const rule = `/rules/${i}`;
    pointers.push(rule, `${rule}/match`, `${rule}/action`, `${rule}/targets`, `${rule}/response`, `${rule}/note`);
    pointers.push(`${rule}/match/keywords`, `${rule}/match/from_agent_id`, `${rule}/match/metadata`);
  }
  return pointers;
}

/**
 * Each error at the deepest shown field that holds it: `/rules/0/match/keywords/2` goes to the
 * keywords, an unknown pointer to the nearest field above it, and at worst to the editor ("").
 */
export function placeErrors(errors: readonly FieldProblem[], pointers: readonly string[]): Map<string, string[]> {
  const placed = new Map<string, string[]>();
  for (const error of errors) {
    const path = error.path === "/" ? "" : error.path;
    const at = pointers
      .filter((pointer) => pointer === "" || path === pointer || path.startsWith(`${pointer}/`))
      .reduce((best, pointer) => (pointer.length > best.length ? pointer : best), "");
    placed.set(at, [...(placed.get(at) ?? []), error.message]);
  }
  return placed;
}
