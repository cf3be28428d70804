/**
 * Pause and resume for a running study: the trainer awaits `wait()` before every batch, which is
 * immediate while running and holds while paused, so a pause takes effect between batches.
 */
export class PauseGate {
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
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#release?.();
    this.#release = undefined;
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
