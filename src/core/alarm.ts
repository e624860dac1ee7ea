// A Durable Object has one alarm, and every wake-up it needs shares it. Arming a new wake-up
// may therefore only move the alarm earlier: setting it later would skip a wake-up already
// armed (Cloudflare Durable Objects, "Alarms": setAlarm replaces the scheduled alarm).

/** The time to arm for a wake-up at `wanted`, or undefined to leave the armed alarm as it is. */
export function alarmToSet(armed: number | null, wanted: number): number | undefined {
  return armed === null || armed > wanted ? wanted : undefined;
}
