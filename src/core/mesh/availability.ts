// An agent's status (mesh spec §16): `active` or `inactive`; going inactive sets an
// auto-reactivation time (default 60 min, darkmatter_set_status §17), after which the agent is
// active again. The reference checks it every 5 s; a hosted agent checks it on each mesh
// request and on its alarm.
import { DEFAULT_INACTIVE_MINUTES } from "./limits.js";

export interface Availability {
  status: "active" | "inactive";
  /** Epoch ms of the auto-reactivation; null while active. */
  inactiveUntil: number | null;
}

/** darkmatter_set_status (§17): active, or inactive for `duration_minutes` (default 60) from `now`. */
export function availabilityFor(
  setting: { active: boolean; duration_minutes?: number | null },
  now: number,
): Availability {
  if (setting.active) return { status: "active", inactiveUntil: null };
  return { status: "inactive", inactiveUntil: now + (setting.duration_minutes ?? DEFAULT_INACTIVE_MINUTES) * 60_000 };
}

/** §16 auto-reactivation: the availability once `now` reached the reactivation time, or undefined when nothing changes. */
export function reactivated(current: Availability, now: number): Availability | undefined {
  if (current.status === "inactive" && current.inactiveUntil !== null && current.inactiveUntil <= now)
    return { status: "active", inactiveUntil: null };
  return undefined;
}
