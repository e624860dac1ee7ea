// A Durable Object has one alarm, and several reasons to wake share it (timers, expiries, retries):
// each asks for its time and the earliest wins, so no reason is pushed later by another. Over the
// two storage calls it needs (DurableObjectStorage has them), so core imports nothing of Cloudflare.

export interface AlarmStorage {
  getAlarm(): Promise<number | null>;
  setAlarm(scheduledTime: number): Promise<void>;
}

/** Sets the alarm to `at` unless it is already set to ring at or before then. */
export async function setAlarmIfEarlier(storage: AlarmStorage, at: number): Promise<void> {
  const current = await storage.getAlarm();
  if (current === null || current > at) await storage.setAlarm(at);
}
