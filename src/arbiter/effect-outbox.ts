// Applying the arbiter's effects from its outbox (core/arbiter/outbox.ts; what each effect does:
// effects.ts). Flushes run one at a time (a `beats` call or the alarm arriving while another flush
// awaits its calls waits for it), and each reads the outbox afresh, so an effect is never attempted
// by two flushes at once nor dropped by one that started before it was recorded. Each is removed by
// its own key once applied or refused for good; a failed one stays for the next alarm.
import { FLUSH_BATCH, isExpired, type ArbiterEffect, type EffectAttempt } from "../core/arbiter/outbox.js";
import { SerialQueue } from "../core/serial-queue.js";
import type { ArbiterStore } from "../stores/arbiter-store.js";

/** One attempt at an effect (effects.ts applyEffect), with the world line's subscribers now. */
export type ApplyEffect = (effect: ArbiterEffect, subscribers: readonly string[]) => Promise<EffectAttempt>;

export class EffectOutbox {
  private readonly flushes = new SerialQueue();

  constructor(
    private readonly store: ArbiterStore,
    private readonly apply: ApplyEffect,
  ) {}

  /** Applies the pending effects, oldest first, after any flush already running. */
  flush(): Promise<void> {
    return this.flushes.run(() => this.flushOnce());
  }

  private async flushOnce(): Promise<void> {
    if (!this.store.record) return;
    for (const row of this.store.pendingEffects(FLUSH_BATCH)) {
      const effect = JSON.parse(row.effect) as ArbiterEffect;
      const attempt = isExpired(effect, Date.now())
        ? ({ outcome: "refused", error: "not delivered within the retry window" } as const)
        : await this.apply(effect, this.store.record.config.subscribers); // a subscriber removed since the beat is no longer sent to
      if (attempt.outcome === "retry") {
        console.warn(`arbiter effect ${row.key} failed, will retry: ${attempt.error}`);
        this.store.retryEffect(row.key, attempt.error, attempt.effect ?? effect);
      } else {
        if (attempt.outcome === "refused") console.warn(`arbiter effect ${row.key} dropped: ${attempt.error}`);
        this.store.removeEffect(row.key);
      }
    }
  }
}
