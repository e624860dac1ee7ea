// What a world line is, as every surface shows it.
import type { WorldLine } from "../schemas/worldline.js";

/** What the WorldLine Durable Object stores about itself (the catalog in D1 mirrors it): the world line but its colour, which is derived. */
export type WorldLineMeta = Omit<WorldLine, "color">;

/** Green when the head is the promoted commit; any later blue commit makes it blue again. */
export function worldLineView(meta: WorldLineMeta): WorldLine {
  return { ...meta, color: meta.green !== null && meta.green === meta.head ? "green" : "blue" };
}
