// A Durable Object has one alarm, and several reasons to wake share it (timers, expiries, retries):
// each asks for its time and the earliest wins, so no reason is pushed later by another
// (Cloudflare Durable Objects, "Alarms": setAlarm replaces the scheduled alarm). Over the two
// storage calls it needs (DurableObjectStorage has them), so core imports nothing of Cloudflare.

export interface AlarmStorage {
  getAlarm(): Promise<number | null>;
  setAlarm(scheduledTime: number): Promise<void>;
}

/** The time to arm for a wake-up at `wanted`, or undefined to leave the armed alarm as it is. */
export function alarmToSet(armed: number | null, wanted: number): number | undefined {
  return armed === null || armed > wanted ? wanted : undefined;
}

/** Sets the alarm to `at` unless it is already set to ring at or before then. */
export async function setAlarmIfEarlier(storage: AlarmStorage, at: number): Promise<void> {
  const armed = alarmToSet(await storage.getAlarm(), at);
  if (armed !== undefined) await storage.setAlarm(armed);
}
