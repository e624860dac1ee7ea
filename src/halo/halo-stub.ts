// The one Halo Durable Object, typed by its own class (workers-types' Rpc mapping gives up on
// the recursive JSON in a cycle's result).
import { HALO_NAME, type Halo } from "../../durable-objects/halo.js";

export function haloStub(env: Env): Pick<Halo, "cycle" | "trigger"> {
  return env.HALO.get(env.HALO.idFromName(HALO_NAME)) as unknown as Pick<Halo, "cycle" | "trigger">;
}
