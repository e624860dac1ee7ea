// Shared by test/halo, test/squads and test/spores: the HALO and task API as a client drives it.
import { api } from "../api.js";
import { createAgent } from "../mesh/mesh-helpers.js";
import { eventually } from "../events/helpers.js";

let counter = 0;
/** A short lower-case tag that starts with a letter: unique names, event types and kinds per test. */
export const tag = () =>
  `t${Date.now().toString(36).slice(-5)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 5)}`;

export const task = async (id: string) => (await api("GET", `/api/v1/tasks/${id}`)).body;

export async function tasksFor(fingerprint: string) {
  return (await api("GET", `/api/v1/tasks?fingerprint=${encodeURIComponent(fingerprint)}&limit=500`)).body
    .items as Array<{ id: string; status: string; [key: string]: any }>;
}

/** Waits until a task of this fingerprint exists and answers it (the first, newest first). */
export const taskFor = (fingerprint: string, timeout?: number) =>
  eventually(async () => (await tasksFor(fingerprint))[0], `a task for ${fingerprint}`, timeout);

export const waitForStatus = (id: string, status: string, timeout = 20_000) =>
  eventually(
    async () => {
      const current = await task(id);
      return current.status === status && current;
    },
    `task ${id} to be ${status}`,
    timeout,
  );

/** A hosted agent in a new squad taking `capabilities`. */
export async function squadOf(names: string[], capabilities: string[]) {
  const agents = [];
  for (const name of names) agents.push(await createAgent(name));
  const created = await api("POST", "/api/v1/squads", {
    body: { name: `squad-${names.join("-")}`, members: agents.map((a) => a.agent_id), capabilities },
  });
  if (created.status !== 201) throw new Error(`squad: ${created.status} ${JSON.stringify(created.body)}`);
  return { squad: created.body as { id: string; members: string[] }, agents };
}

/** An approved operator task, ready to dispatch. */
export async function approvedTask(body: Record<string, unknown>) {
  const created = await api("POST", "/api/v1/tasks", { body: { title: "probe", ...body } });
  if (created.status !== 201) throw new Error(`task: ${created.status} ${JSON.stringify(created.body)}`);
  const approved = await api("POST", `/api/v1/tasks/${created.body.id}/approve`, { body: {} });
  if (approved.status !== 200) throw new Error(`approve: ${approved.status} ${JSON.stringify(approved.body)}`);
  return approved.body as { id: string; [key: string]: any };
}
