// One squad task: what it is, the evidence that produced it (events and the weak point), the
// operator's approve / reject / dispatch, and its timeline.
import { useState } from "react";
import { api, ok } from "../api/client";
import type { SquadTask } from "../api/types";
import { useAction, useResource } from "../hooks/useResource";
import { dashboardStore, useIsOperator } from "../store/dashboardStore";
import { JsonView, when } from "../components/JsonView";
import { Pending, ProblemMessage } from "../components/ProblemMessage";
import { TaskTimeline } from "./TaskTimeline";

export function TaskCard({ summary }: { summary: SquadTask }) {
  const [open, setOpen] = useState(summary.status === "pending-approval");
  const params = { path: { id: summary.id } };
  const detail = useResource<SquadTask>(
    open ? `task:${summary.id}` : null,
    () => ok(api().GET("/api/v1/tasks/{id}", { params })),
    ["tasks"],
  );
  const task = detail.data ?? summary;
  const isOperator = useIsOperator();
  const action = useAction();
  const [reason, setReason] = useState("");
  const decide = async (decision: "approve" | "reject") => {
    const body = reason ? { reason } : {};
    const decided = () =>
      ok(
        decision === "approve"
          ? api().POST("/api/v1/tasks/{id}/approve", { params, body })
          : api().POST("/api/v1/tasks/{id}/reject", { params, body }),
      );
    if (await action.run(decided, decision === "approve" ? "approving…" : "rejecting…"))
      dashboardStore.bump("tasks", "events");
  };
  const dispatch = async () => {
    if (
      await action.run(
        () => ok(api().POST("/api/v1/tasks/{id}/dispatch", { params, body: {} })),
        "dispatching to a squad member…",
      )
    )
      dashboardStore.bump("tasks", "events");
  };
  return (
    <article
      className={`task status-${task.status}`}
      data-testid="task"
      data-task-id={task.id}
      data-status={task.status}
    >
      <header className="row" onClick={() => setOpen(!open)}>
        <span className={`badge status-${task.status}`} data-testid="task-status">
          {task.status}
        </span>
        <b>{task.title || task.id}</b>
        <span className="muted">
          {task.id} · {when(task.createdAt)}
        </span>
      </header>
      {open && (
        <div className="task-body">
          {task.description && <p>{task.description}</p>}
          <ProblemMessage error={detail.error} context="task" />
          <p className="muted">
            {task.kind} · {task.severity} · from {task.origin}
            {task.subject && (
              <>
                {" "}
                · about <code>{task.subject}</code>
              </>
            )}
            {task.action && <> · suggested: {task.action}</>}
          </p>
          {task.evidence && <Evidence evidence={task.evidence} />}
          <TaskTimeline task={task} />
          {task.error && <p className="problem">failed: {task.error}</p>}
          {task.result && (
            <>
              <h4>result</h4>
              <JsonView value={task.result} />
            </>
          )}
          {isOperator && task.status === "pending-approval" && (
            <div className="row">
              <input
                aria-label="reason"
                placeholder="reason (optional)"
                value={reason}
                onChange={(e) => setReason(e.target.value)}
              />
              <button className="primary" onClick={() => decide("approve")} disabled={!!action.pending}>
                approve
              </button>
              <button className="danger" onClick={() => decide("reject")} disabled={!!action.pending}>
                reject
              </button>
              <Pending label={action.pending} />
            </div>
          )}
          {isOperator && task.status === "approved" && (
            <div className="row">
              <button className="primary" onClick={dispatch} disabled={!!action.pending}>
                dispatch
              </button>
              <Pending label={action.pending} />
            </div>
          )}
          <ProblemMessage error={action.error} context="decision" />
        </div>
      )}
    </article>
  );
}

/** What produced the task: the HALO cycle and weak point, and the events behind them (fetched by id). */
function Evidence({ evidence }: { evidence: SquadTask["evidence"] }) {
  const events = useResource(
    evidence.events.length ? `evidence:${evidence.events.join(",")}` : null,
    () =>
      Promise.all(
        evidence.events.slice(0, 20).map((id) => ok(api().GET("/api/v1/events/{id}", { params: { path: { id } } }))),
      ),
    [],
    { poll: false },
  );
  return (
    <details open data-testid="task-evidence">
      <summary>evidence</summary>
      <dl className="facts">
        <dt>HALO cycle</dt>
        <dd>{evidence.cycleId ?? "—"}</dd>
        <dt>weak point</dt>
        <dd>{evidence.weakPointId ?? "—"}</dd>
        <dt>events</dt>
        <dd>{evidence.events.length === 0 ? "—" : evidence.events.map((id) => <code key={id}>{id} </code>)}</dd>
      </dl>
      <ProblemMessage error={events.error} context="evidence events" />
      {events.data?.map((event) => (
        <JsonView
          key={event.id}
          value={{
            type: event.type,
            severity: event.severity,
            time: new Date(event.time).toISOString(),
            data: event.data,
          }}
          max={1500}
        />
      ))}
    </details>
  );
}
