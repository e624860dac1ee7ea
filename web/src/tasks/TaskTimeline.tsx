// A squad task's way from approval through dispatch to completion or failure (its `history`).
import type { SquadTask } from "../api/types";
import { when } from "../components/JsonView";
import { TASK_STATUSES, TASK_TRANSITIONS, type TaskStatus } from "../../../src/core/task-lifecycle";

/** The final statuses other than completed: where a task stops short. */
const STOPPED: readonly TaskStatus[] = TASK_STATUSES.filter(
  (status) => TASK_TRANSITIONS[status].length === 0 && status !== "completed",
);
/** The way to completion, in lifecycle order. */
const ORDER = TASK_STATUSES.filter((status) => !STOPPED.includes(status));

export function TaskTimeline({ task }: { task: SquadTask }) {
  const steps = task.history?.length
    ? task.history
    : [{ status: task.status, from: null, at: task.updatedAt, by: task.origin }];
  const reached = new Set<string>(steps.map((s) => s.status));
  const ended = STOPPED.includes(task.status) ? task.status : null;
  return (
    <div className="timeline" data-testid="task-timeline">
      <ol className="stages">
        {ORDER.map((stage) => (
          <li key={stage} className={reached.has(stage) || task.status === stage ? "done" : ""}>
            {stage}
          </li>
        ))}
        {ended && <li className="done bad">{ended}</li>}
      </ol>
      <ul className="steps">
        {steps.map((step, i) => (
          <li key={i}>
            <b>{step.status}</b>{" "}
            <span className="muted">
              {when(step.at)} by {step.by}
            </span>
            {"agent" in step && step.agent && (
              <>
                {" "}
                · agent <code>{step.agent.slice(0, 16)}</code>
              </>
            )}
            {"attempt" in step && step.attempt !== undefined && <> · attempt {step.attempt}</>}
            {"detail" in step && step.detail && <> · {step.detail}</>}
          </li>
        ))}
      </ul>
      {task.dispatches && task.dispatches.length > 0 && (
        <ul className="steps">
          {task.dispatches.map((d) => (
            <li key={d.attempt}>
              dispatch {d.attempt} to <code>{d.agent?.slice(0, 16) ?? "—"}</code>: {d.outcome}
              {d.error && ` (${d.error})`} <span className="muted">{when(d.startedAt)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
