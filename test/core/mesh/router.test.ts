// The router's pure rules (src/core/mesh/router.ts, ssrf.ts checkHandlerUrl): the chain's order,
// matching, the RESPOND text, the handler's limits, reading its answer and the handler URL rule.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  admitHandlerCall,
  decideRoute,
  readHandlerAnswer,
  renderResponse,
  ruleMatches,
  type RoutedMessage,
} from "../../../src/core/mesh/router.js";
import { checkHandlerUrl } from "../../../src/core/mesh/ssrf.js";
import { MAX_CONTENT_CODE_POINTS } from "../../../src/core/mesh/limits.js";
import { RouterConfig, type RoutingRule } from "../../../src/schemas/router.js";

const message = (over: Partial<RoutedMessage> = {}): RoutedMessage => ({
  message_id: "msg-1",
  content: "Hello World",
  metadata: { kind: "greeting", n: 2 },
  from_agent_id: "agent-a",
  hops_remaining: 3,
  ...over,
});
const router = (input: unknown) => RouterConfig.parse(input);
const handler = { url: "https://h.example.com" };

describe("the chain", () => {
  it("keeps everything in queue_only, hands everything to the handler in spawn, whatever the rules", () => {
    const rules = [{ action: "DROP" }];
    expect(decideRoute(router({ mode: "queue_only", rules }), message())).toMatchObject({ action: "queue" });
    expect(decideRoute(router({ mode: "spawn", rules, handler }), message())).toEqual({ action: "handle", rule: null });
  });

  it("falls back to the inbox (rules_only) or the handler (rules_first) when no rule decides", () => {
    const rules = [{ action: "PASS" }, { match: { keywords: ["absent"] }, action: "DROP" }];
    expect(decideRoute(router({ mode: "rules_only", rules }), message())).toEqual({
      action: "queue",
      rule: null,
      reason: "no rule decided",
    });
    expect(decideRoute(router({ mode: "rules_first", rules, handler }), message())).toEqual({
      action: "handle",
      rule: null,
    });
    expect(decideRoute(router({ mode: "rules_first", rules }), message())).toMatchObject({ action: "queue" });
  });

  const arbitraryRule: fc.Arbitrary<RoutingRule> = fc
    .record({
      keywords: fc.option(fc.array(fc.constantFrom("hello", "WORLD", "x", "spam"), { minLength: 1, maxLength: 2 }), {
        nil: undefined,
      }),
      from: fc.option(fc.constantFrom("agent-a", "agent-b"), { nil: undefined }),
      metadata: fc.option(fc.constantFrom({ kind: "greeting" }, { n: 2 }, { n: "2" }), { nil: undefined }),
      action: fc.constantFrom("DROP", "PASS", "RESPOND", "HANDLE"),
    })
    .map(({ keywords, from, metadata, action }) => ({
      match: { ...(keywords && { keywords }), ...(from && { from_agent_id: from }), ...(metadata && { metadata }) },
      action,
      ...(action === "RESPOND" && { response: "ok" }),
    })) as fc.Arbitrary<RoutingRule>;

  it("decides by the first matching rule other than PASS, and by no earlier one", () => {
    fc.assert(
      fc.property(fc.array(arbitraryRule, { maxLength: 8 }), fc.constantFrom("agent-a", "agent-b"), (rules, from) => {
        const held = message({ from_agent_id: from });
        const decision = decideRoute(router({ mode: "rules_first", rules, handler }), held);
        const deciding = rules.findIndex((rule) => rule.action !== "PASS" && ruleMatches(rule, held));
        expect(decision.rule).toBe(deciding < 0 ? null : deciding);
        if (deciding >= 0) expect(decision.action).toBe(rules[deciding]!.action.toLowerCase());
      }),
    );
  });
});

describe("matching", () => {
  it("takes any keyword case-insensitively, the exact sender, exact metadata values; {} matches all", () => {
    const held = message();
    expect(ruleMatches({ match: {} }, held)).toBe(true);
    expect(ruleMatches({ match: { keywords: ["nope", "o w"] } }, held)).toBe(true);
    expect(ruleMatches({ match: { keywords: ["nope"] } }, held)).toBe(false);
    expect(ruleMatches({ match: { from_agent_id: "agent-a" } }, held)).toBe(true);
    expect(ruleMatches({ match: { from_agent_id: "agent-A" } }, held)).toBe(false);
    expect(ruleMatches({ match: { metadata: { n: 2, kind: "greeting" } } }, held)).toBe(true);
    expect(ruleMatches({ match: { metadata: { n: "2" } } }, held)).toBe(false);
    expect(ruleMatches({ match: { metadata: { toString: null } } }, held)).toBe(false); // own keys only
    expect(ruleMatches({ match: { metadata: { kind: "greeting" } } }, message({ metadata: ["kind"] }))).toBe(false);
    expect(ruleMatches({ match: { keywords: ["hello"], from_agent_id: "agent-b" } }, held)).toBe(false);
  });
});

describe("the RESPOND text", () => {
  it("quotes the message's fields, leaves unknown placeholders, and stays within the content limit", () => {
    expect(
      renderResponse(
        "{{ content }}|{{from_agent_id}}|{{message_id}}|{{hops_remaining}}|{{metadata.kind}}|{{metadata.n}}|{{metadata.none}}|{{other}}",
        message(),
      ),
    ).toBe("Hello World|agent-a|msg-1|3|greeting|2||{{other}}");
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.integer({ min: 1, max: 5 }), (text, copies) => {
        const big = message({ content: "é".repeat(MAX_CONTENT_CODE_POINTS) + text });
        const rendered = renderResponse("{{content}}".repeat(copies), big);
        expect(Array.from(rendered).length).toBeLessThanOrEqual(MAX_CONTENT_CODE_POINTS);
        expect(renderResponse(text.replace(/\{/g, "("), big)).toBe(text.replace(/\{/g, "("));
      }),
      { numRuns: 20 },
    );
  });
});

describe("the handler's limits", () => {
  const limits = { maxConcurrent: 2, maxPerHour: 3 };
  const now = 10_000_000;
  it("refuses past maxConcurrent running calls and maxPerHour calls in the rolling hour", () => {
    expect(admitHandlerCall({ inFlight: 2, recentCalls: [] }, limits, now)).toEqual({
      ok: false,
      reason: "over maxConcurrent: 2 handler calls are running",
    });
    expect(admitHandlerCall({ inFlight: 0, recentCalls: [now - 1, now - 2, now - 3] }, limits, now)).toEqual({
      ok: false,
      reason: "over maxPerHour: 3 handler calls in the last hour",
    });
    // calls older than an hour leave the window
    expect(admitHandlerCall({ inFlight: 1, recentCalls: [now - 3_600_000, now - 5] }, limits, now)).toEqual({
      ok: true,
      recentCalls: [now - 5, now],
    });
  });
});

describe("the handler's answer", () => {
  it("is one of the four shapes in a 2xx JSON reply; anything else says why", () => {
    expect(readHandlerAnswer(200, '{"response":"hi"}')).toEqual({ answer: { response: "hi" } });
    expect(readHandlerAnswer(201, '{"forward":["b"],"note":"n"}')).toEqual({ answer: { forward: ["b"], note: "n" } });
    expect(readHandlerAnswer(200, '{"drop":true}')).toEqual({ answer: { drop: true } });
    expect(readHandlerAnswer(200, '{"defer":true}')).toEqual({ answer: { defer: true } });
    expect(readHandlerAnswer(302, "")).toEqual({ error: "the handler answered HTTP 302" });
    expect(readHandlerAnswer(200, "ok")).toEqual({ error: "the handler's answer is not JSON" });
    for (const bad of [
      '{"drop":false}',
      '{"response":""}',
      '{"response":"x","drop":true}',
      "[]",
      "null",
      '{"forward":[]}',
    ])
      expect(readHandlerAnswer(200, bad), bad).toMatchObject({ error: expect.stringContaining("is not") });
  });
});

describe("the handler URL rule", () => {
  it("allows https to public hosts, and loopback only while the Worker runs on loopback", () => {
    const local = "http://localhost:8787";
    const deployed = "https://edge.example.com";
    const cases: Array<[string, boolean, boolean]> = [
      // url, allowed locally, allowed deployed
      ["https://handler.example.com/x", true, true],
      ["http://handler.example.com/x", false, false],
      ["http://127.0.0.1:8790/x", true, false],
      ["http://[::1]:8790/x", true, false],
      ["https://localhost/x", true, false],
      ["http://127.1.2.3/x", true, false],
      ["https://10.0.0.7/x", false, false],
      ["https://169.254.169.254/x", false, false],
      ["https://[fd00::1]/x", false, false],
      ["https://user:pw@handler.example.com/x", false, false],
      ["https://edge.example.com/agents/x", true, false], // the deployed Worker itself
      ["http://localhost:8787/agents/x", false, false], // the local Worker itself; deployed: loopback
      ["ftp://handler.example.com/x", false, false],
      ["not a url", false, false],
    ];
    for (const [url, locally, deployedAllowed] of cases) {
      expect(checkHandlerUrl(url, local) === undefined, `${url} locally`).toBe(locally);
      expect(checkHandlerUrl(url, deployed) === undefined, `${url} deployed`).toBe(deployedAllowed);
    }
  });
});
