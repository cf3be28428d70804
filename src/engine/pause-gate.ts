/**
 * Pause and resume for a running study: the trainer awaits `wait()` before every batch, which is
 * immediate while running and holds while paused, so a pause takes effect between batches. Trainers
 * in other workers follow it through `watch` (src/workers/trainer-pool.ts relays each change).
 */
export class PauseGate {
  readonly #listeners = new Set<(paused: boolean) => void>();
  #paused = false;
  #release: (() => void) | undefined;
  #gate: Promise<void> = Promise.resolve();

  get paused(): boolean {
    return this.#paused;
  }

  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#gate = new Promise((resolve) => {
      this.#release = resolve;
    });
    for (const listener of this.#listeners) listener(true);
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#release?.();
    this.#release = undefined;
    for (const listener of this.#listeners) listener(false);
  }

  /** Calls `listener` on every change (true: paused); returns what stops it. */
  watch(listener: (paused: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves at once while running; while paused, when resumed or when `signal` aborts. */
  wait(signal?: AbortSignal): Promise<void> {
    if (!this.#paused) return Promise.resolve();
    if (!signal) return this.#gate;
    return new Promise((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      void this.#gate.then(done);
    });
  }
}
