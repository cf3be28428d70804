/**
 * A progress bar on stderr for long command-line work. On a terminal it redraws one line; when
 * stderr is a file or a pipe (CI logs) it prints a line at every tenth of the way instead.
 */
export class ProgressBar {
  #done = 0;
  #lastDecile = -1;
  readonly #started = performance.now();

  constructor(
    readonly label: string,
    readonly total: number,
    readonly stream: NodeJS.WriteStream = process.stderr,
    /** Shown after the count, e.g. ' s' for a bar of seconds. */
    readonly unit = '',
  ) {}

  /** Advances by `steps` and redraws; `note` is shown after the bar (e.g. the current loss). */
  tick(steps = 1, note = ''): void {
    this.#done = Math.min(this.total, this.#done + steps);
    this.#draw(note);
  }

  /** Moves to `done` steps and redraws. */
  set(done: number, note = ''): void {
    this.#done = Math.max(0, Math.min(this.total, done));
    this.#draw(note);
  }

  /** Ends the bar's line. */
  done(note = ''): void {
    this.#done = this.total;
    this.#draw(note);
    if (this.stream.isTTY) this.stream.write('\n');
  }

  #draw(note: string): void {
    const fraction = this.total === 0 ? 1 : this.#done / this.total;
    const width = 24;
    const filled = Math.round(fraction * width);
    const elapsed = (performance.now() - this.#started) / 1000;
    const eta = fraction > 0 && fraction < 1 ? ` ETA ${Math.ceil((elapsed / fraction) * (1 - fraction))} s` : '';
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.#done}/${this.total}${this.unit}${eta}${note ? ` ${note}` : ''}`;
    if (this.stream.isTTY) {
      this.stream.write(`\r${line}\x1b[K`);
    } else {
      const decile = Math.floor(fraction * 10);
      if (decile !== this.#lastDecile) {
        this.#lastDecile = decile;
        this.stream.write(`${line}\n`);
      }
    }
  }
}
