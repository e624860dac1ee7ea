// /api/v1/squads and /api/v1/tasks (seed 003, Squad Builder): validate, call, map. Operator only,
// reads included: squads and tasks name agents and private world lines.
import { z } from "zod";
import { unwrap, type ProblemCode } from "../core/problem.js";
import { SquadStore } from "../stores/squad-store.js";
import { TaskStore } from "../stores/task-store.js";
import { Page } from "../schemas/common.js";
import {
  ApproveTask,
  CreateSquad,
  CreateTask,
  DecideTask,
  DispatchTask,
  ListSquadsQuery,
  ListTasksQuery,
  Squad,
  SquadTask,
  SquadTaskDetail,
  TaskId,
  UpdateSquad,
} from "../schemas/squads.js";
import { apiRoute, apiRouter, jsonBody, OPERATOR, operatorRoute } from "../http/openapi.js";
import { requireOperator } from "../http/auth.js";
import { createSquad, deleteSquad, squadNotFound, updateSquad } from "../squads/squads.js";
import { approveTask, cancelTask, createTask, rejectTask, taskDetail } from "../squads/tasks.js";
import { dispatcherStub } from "../stubs.js";

const IdParam = z.object({ id: z.string().max(64) });
const TaskParam = z.object({ id: TaskId });
/** A body the caller may leave out entirely (POST …/approve with no body is an approval with no reason). */
const optionalBody = <T extends z.ZodType>(schema: T) => ({
  body: { required: false, content: { "application/json": { schema } } },
});

export const squadRoutes = apiRouter();
for (const path of ["/squads", "/squads/*", "/tasks", "/tasks/*"])
  squadRoutes.use(path, requireOperator("squads and tasks"));

const route = operatorRoute;

/** Saving members checks each one through the hub (src/squads/members.ts). */
const MEMBER_CHECKS: ProblemCode[] = ["no-hub", "unknown-member", "member-connect-failed"];

// ---- squads ------------------------------------------------------------------------------------

squadRoutes.openapi(
  route(
    "squads",
    "post",
    "/squads",
    "Create a squad",
    jsonBody(CreateSquad),
    Squad,
    201,
    ["squad-exists", ...MEMBER_CHECKS],
    "Members are agent ids the hub can reach: its connections, or agents hosted here (the hub connects to them now). 422 names every member it cannot reach; 409 when the name is taken.",
  ),
  async (c) => {
    const squad = await createSquad(c.env, c.req.valid("json"));
    return c.json(squad, 201, { location: `/api/v1/squads/${squad.id}` });
  },
);

squadRoutes.openapi(
  route("squads", "get", "/squads", "Squads, newest first", { query: ListSquadsQuery }, Page(Squad), 200, [
    "invalid-cursor",
  ]),
  async (c) => c.json(await new SquadStore(c.env.DB).list(c.req.valid("query")), 200),
);

squadRoutes.openapi(
  route("squads", "get", "/squads/{id}", "One squad", { params: IdParam }, Squad, 200, ["not-found"]),
  async (c) => {
    const id = c.req.valid("param").id;
    const squad = await new SquadStore(c.env.DB).get(id);
    if (!squad) throw squadNotFound(id);
    return c.json(squad, 200);
  },
);

squadRoutes.openapi(
  route(
    "squads",
    "patch",
    "/squads/{id}",
    "Change a squad's name, members or capabilities",
    { params: IdParam, ...jsonBody(UpdateSquad) },
    Squad,
    200,
    ["not-found", "squad-exists", ...MEMBER_CHECKS],
  ),
  async (c) => c.json(await updateSquad(c.env, c.req.valid("param").id, c.req.valid("json")), 200),
);

squadRoutes.openapi(
  apiRoute({
    method: "delete",
    path: "/squads/{id}",
    tags: ["squads"],
    summary: "Delete a squad (its open tasks go to any squad taking their kind)",
    security: OPERATOR,
    request: { params: IdParam },
    responses: { 204: { description: "deleted" } },
    problems: ["not-found"],
  }),
  async (c) => {
    await deleteSquad(c.env, c.req.valid("param").id);
    return c.body(null, 204);
  },
);

// ---- tasks -------------------------------------------------------------------------------------

squadRoutes.openapi(
  route(
    "tasks",
    "post",
    "/tasks",
    "Create a task (it waits for approval like HALO's)",
    jsonBody(CreateTask),
    SquadTask,
    201,
    ["unknown-squad"],
  ),
  async (c) => {
    const task = await createTask(c.env, c.req.valid("json"));
    return c.json(task, 201, { location: `/api/v1/tasks/${task.id}` });
  },
);

squadRoutes.openapi(
  route("tasks", "get", "/tasks", "Tasks, newest first", { query: ListTasksQuery }, Page(SquadTask), 200, [
    "invalid-cursor",
  ]),
  async (c) => c.json(await new TaskStore(c.env.DB).list(c.req.valid("query")), 200),
);

squadRoutes.openapi(
  route(
    "tasks",
    "get",
    "/tasks/{id}",
    "One task with its history and every dispatch",
    { params: TaskParam },
    SquadTaskDetail,
    200,
    ["not-found"],
  ),
  async (c) => c.json(await taskDetail(c.env, c.req.valid("param").id), 200),
);

squadRoutes.openapi(
  route(
    "tasks",
    "post",
    "/tasks/{id}/approve",
    "Approve a pending-approval task",
    { params: TaskParam, ...optionalBody(ApproveTask) },
    SquadTask,
    200,
    ["not-found", "unknown-squad", "illegal-transition"],
    "Optionally pins the squad and changes the timeout or attempt limit. 409 unless the task is `pending-approval`.",
  ),
  async (c) => c.json(await approveTask(c.env, c.req.valid("param").id, c.req.valid("json")), 200),
);

squadRoutes.openapi(
  route(
    "tasks",
    "post",
    "/tasks/{id}/reject",
    "Reject a pending-approval task",
    { params: TaskParam, ...optionalBody(DecideTask) },
    SquadTask,
    200,
    ["not-found", "illegal-transition"],
  ),
  async (c) => c.json(await rejectTask(c.env, c.req.valid("param").id, c.req.valid("json").reason), 200),
);

squadRoutes.openapi(
  route(
    "tasks",
    "post",
    "/tasks/{id}/cancel",
    "Cancel an open task (a running attempt's late answer is ignored)",
    { params: TaskParam, ...optionalBody(DecideTask) },
    SquadTask,
    200,
    ["not-found", "illegal-transition"],
  ),
  async (c) => c.json(await cancelTask(c.env, c.req.valid("param").id, c.req.valid("json").reason), 200),
);

squadRoutes.openapi(
  route(
    "tasks",
    "post",
    "/tasks/{id}/dispatch",
    "Send an approved task to a squad member over the mesh",
    { params: TaskParam, ...optionalBody(DispatchTask) },
    SquadTask,
    200,
    ["not-found", "illegal-transition", "not-a-member", "no-member", "no-hub"],
    "The hub agent sends the task as a signed mesh message, with its webhook, to the member with the best resonance for the task's kind (or `agent`). The member's signed answer through the webhook completes it; a delivery failure or no answer within the timeout fails the attempt, retried with exponential backoff up to maxAttempts. 409 unless the task is `approved`, or when no member is reachable.",
  ),
  async (c) =>
    c.json(unwrap(await dispatcherStub(c.env).dispatch(c.req.valid("param").id, c.req.valid("json").agent)), 200),
);
