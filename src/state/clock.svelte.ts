/**
 * A clock that ticks once a second while it is started: it makes the time left count down between
 * the worker's reports, which can be many seconds apart while a trial evaluates (issue 13).
 */
export class Clock {
  #now = $state(Date.now());
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #intervalMs: number;

  constructor(intervalMs = 1000) {
    this.#intervalMs = intervalMs;
  }

  /** Date.now() at the latest tick (or start). */
  get now(): number {
    return this.#now;
  }
  get ticking(): boolean {
    return this.#timer !== undefined;
  }

  start(): void {
    this.#now = Date.now();
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => (this.#now = Date.now()), this.#intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
