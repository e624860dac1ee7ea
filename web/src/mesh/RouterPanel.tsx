// A hosted agent's message router (GET/PUT …/router): what is in force and its version, an editor
// whose save names the version it was loaded from (If-Match), so an edit made elsewhere meanwhile
// is reported (412) rather than overwritten; a refused router (422) changes nothing and shows each
// field's problem beside the field.
import { useState } from "react";
import { api, ok } from "../api/client";
import { ApiError } from "../api/problem";
import type { Connection, FieldProblem, RouterConfig, RoutingRule, StoredRouter } from "../api/types";
import { useAction, useResource } from "../hooks/useResource";
import { dashboardStore } from "../store/dashboardStore";
import { when } from "../components/JsonView";
import { Pending, ProblemMessage } from "../components/ProblemMessage";
import { RouterEditor } from "./RouterEditor";
import { RoutingDecisions } from "./RoutingDecisions";
import { draftOf, fieldPointers, MODES, placeErrors, routerBody, type RouterDraft } from "./routerDraft";

export function RouterPanel({ name, connections }: { name: string; connections: Connection[] }) {
  const path = { params: { path: { name } } };
  const stored = useResource(`router:${name}`, () => ok(api().GET("/api/v1/agents/{name}/router", path)), ["agents"]);
  const [draft, setDraft] = useState<RouterDraft | null>(null);
  const [localErrors, setLocalErrors] = useState<FieldProblem[]>([]);
  const action = useAction();

  const edit = (from: StoredRouter) => {
    action.clear();
    setLocalErrors([]);
    setDraft(draftOf(from));
  };
  const change = (next: RouterDraft, shifted = false) => {
    setDraft(next);
    if (shifted) {
      setLocalErrors([]);
      action.clear();
    }
  };
  const save = async () => {
    if (!draft) return;
    const built = routerBody(draft);
    if ("errors" in built) {
      setLocalErrors(built.errors);
      action.clear();
      return;
    }
    setLocalErrors([]);
    const saved = await action.run(
      () =>
        ok(
          api().PUT("/api/v1/agents/{name}/router", {
            params: { path: { name }, header: { "if-match": `"${draft.version}"` } },
            body: built.body,
          }),
        ),
      "saving the router…",
    );
    if (saved) {
      setDraft(null);
      stored.reload();
      dashboardStore.bump("agents");
    }
  };
  const reload = async () => {
    const fresh = await action.run(() => ok(api().GET("/api/v1/agents/{name}/router", path)), "reloading the router…");
    if (fresh) {
      edit(fresh);
      stored.reload();
    }
  };

  const problem = action.error?.problem;
  const isInvalid = problem?.code === "invalid-router";
  const isStale = problem?.code === "stale-router";
  const fieldErrors = placeErrors(
    localErrors.length > 0 ? localErrors : isInvalid ? (problem.errors ?? []) : [],
    fieldPointers(draft?.rules.length ?? 0),
  );
  const current = stored.data;
  return (
    <section className="router-panel" data-testid="router-panel">
      <h3>
        Router{" "}
        {current && (
          <span className="muted" data-testid="router-version">
            version {current.version}
          </span>
        )}
      </h3>
      <ProblemMessage error={stored.error} context="router" />
      {current && !draft && (
        <>
          <RouterSummary router={current.router} />
          <p className="muted">
            {current.updated_at ? `changed ${when(current.updated_at)}` : "the default router, never changed"}{" "}
            <button onClick={() => edit(current)}>edit router</button>
          </p>
        </>
      )}
      {draft && (
        <fieldset>
          <legend>Editing version {draft.version}</legend>
          <RouterEditor draft={draft} onChange={change} errors={fieldErrors} connections={connections} />
          <div className="row">
            <button className="primary" onClick={save} disabled={!!action.pending}>
              save router
            </button>
            <button onClick={() => setDraft(null)} disabled={!!action.pending}>
              cancel
            </button>
            <Pending label={action.pending} />
          </div>
          {isStale ? (
            <div role="alert" className="problem" data-code="stale-router">
              The router changed elsewhere: it is at version {String(problem.version ?? "?")}, these edits were made on
              version {draft.version} and are not saved. <button onClick={reload}>reload it (drops these edits)</button>
            </div>
          ) : (
            <ProblemMessage
              error={isInvalid ? new ApiError({ ...problem, errors: undefined }) : action.error}
              context="save router"
            />
          )}
        </fieldset>
      )}
      <RoutingDecisions name={name} />
    </section>
  );
}

function RouterSummary({ router }: { router: RouterConfig }) {
  return (
    <dl className="facts" data-testid="router-summary">
      <dt>mode</dt>
      <dd>
        <b data-testid="router-mode">{router.mode}</b> <span className="muted">{MODES[router.mode]}</span>
      </dd>
      <dt>rules</dt>
      <dd>
        {router.rules.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          <ol className="router-rules" start={0}>
            {router.rules.map((rule, index) => (
              <li key={index} data-testid="router-rule">
                <RuleSummary rule={rule} />
              </li>
            ))}
          </ol>
        )}
      </dd>
      <dt>handler</dt>
      <dd data-testid="router-handler">
        {router.handler ? (
          <>
            <code>{router.handler.url}</code>{" "}
            <span className="muted">
              {router.handler.maxConcurrent} at once · {router.handler.maxPerHour} an hour · timeout{" "}
              {router.handler.timeoutSeconds} s
            </span>
          </>
        ) : (
          <span className="muted">none</span>
        )}
      </dd>
    </dl>
  );
}

function RuleSummary({ rule }: { rule: RoutingRule }) {
  const { keywords, from_agent_id, metadata } = rule.match ?? {};
  const conditions = [
    keywords && `content has ${keywords.map((k) => JSON.stringify(k)).join(" or ")}`,
    from_agent_id && `from ${from_agent_id}`,
    metadata && `metadata ${JSON.stringify(metadata)}`,
  ].filter(Boolean);
  return (
    <>
      {conditions.length > 0 ? conditions.join(", ") : <span className="muted">every message</span>} →{" "}
      <b>{rule.action}</b>
      {rule.targets && <> to {rule.targets.join(", ")}</>}
      {rule.response && (
        <>
          : <code>{rule.response}</code>
        </>
      )}
      {rule.note && <span className="muted"> ({rule.note})</span>}
    </>
  );
}
