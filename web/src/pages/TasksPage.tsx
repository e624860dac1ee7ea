// The approval queue of HALO squad tasks (seed 003): tasks waiting for the operator first, then
// the rest with their timelines; the newest page is live, older ones load on demand.
import { useState } from "react";
import { api, ok } from "../api/client";
import { useOlderPages, useResource } from "../hooks/useResource";
import { useIsOperator } from "../store/dashboardStore";
import { Unavailable } from "../components/ProblemMessage";
import { TaskCard } from "../tasks/TaskCard";
import { LoadOlder } from "../components/LoadOlder";
import { TASK_STATUSES } from "../../../src/core/task-lifecycle";

/** Tasks waiting for the operator first, then all ("") and every other status in lifecycle order. */
const FILTERS = ["pending-approval", "", ...TASK_STATUSES.filter((status) => status !== "pending-approval")] as const;

export function TasksPage() {
  const isOperator = useIsOperator();
  const [status, setStatus] = useState<(typeof FILTERS)[number]>("pending-approval");
  const query = status ? { status } : {};
  const tasks = useResource(
    isOperator ? `tasks:${status}` : null,
    () => ok(api().GET("/api/v1/tasks", { params: { query } })),
    ["tasks"],
  );
  const pages = useOlderPages(status, tasks.data, (cursor) =>
    ok(api().GET("/api/v1/tasks", { params: { query: { ...query, cursor } } })),
  );
  return (
    <div className="page tasks-page">
      <h1>Tasks</h1>
      {!isOperator && <p className="muted">Tasks are visible to the operator only: enter the operator token.</p>}
      {isOperator && (
        <>
          <div className="row" role="group" aria-label="task status">
            {FILTERS.map((f) => (
              <button key={f || "all"} className={f === status ? "active" : ""} onClick={() => setStatus(f)}>
                {f || "all"}
              </button>
            ))}
          </div>
          <Unavailable what="Tasks" error={tasks.error} />
          {tasks.data && pages.items.length === 0 && <p className="muted">No {status || ""} tasks.</p>}
          {pages.items.map((task) => (
            <TaskCard key={task.id} summary={task} />
          ))}
          <LoadOlder pages={pages} noun="tasks" />
        </>
      )}
    </div>
  );
}
