// Work that must not interleave, run one piece at a time in the order it was asked for. In a
// Durable Object, awaiting anything but its own storage (D1, another object, a fetch) lets the next
// event in (input gates: https://blog.cloudflare.com/durable-objects-easy-fast-correct-choose-three/),
// so two writes that each read, await, then write could both build on the same state.

export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `work` once everything queued before it has settled; a failure reaches its caller and does not stop what comes after. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
