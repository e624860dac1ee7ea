// What a world line is, as every surface shows it.
import type { Privacy, WorldLine, WorldLineStatus } from "../schemas/worldline.js";

/** What the WorldLine Durable Object stores about itself (the catalog in D1 mirrors it). */
export interface WorldLineMeta {
  id: string;
  name: string;
  status: WorldLineStatus;
  privacy: Privacy;
  head: string;
  green: string | null;
  parents: string[];
  createdAt: number;
  updatedAt: number;
}

/** Green when the head is the promoted commit; any later blue commit makes it blue again. */
export function worldLineView(meta: WorldLineMeta): WorldLine {
  return { ...meta, color: meta.green !== null && meta.green === meta.head ? "green" : "blue" };
}
