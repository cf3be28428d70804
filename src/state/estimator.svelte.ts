/**
 * State of the live estimator: the architecture being edited (as JSON text), the chosen targets
 * and accounting mode, and the estimate derived from them. The estimate is computed in core on the
 * main thread: it takes microseconds, so it can follow every keystroke.
 */
import { type ArchitectureResult, validateArchitecture } from '../core/architecture.ts';
import { type Accounting, type Estimate, estimate } from '../core/resources.ts';
import { type Target, presetTargets } from '../core/targets.ts';

export type EstimatorView =
  | { readonly ok: true; readonly estimate: Estimate; readonly targets: readonly Target[] }
  | { readonly ok: false; readonly message: string };

export class EstimatorState {
  #text = $state('');
  #targetIds = $state.raw<readonly string[]>([]);
  #accounting = $state<Accounting>('paper');

  readonly #parsed = $derived.by((): ArchitectureResult | { ok: false; message: string } => {
    let json: unknown;
    try {
      json = JSON.parse(this.#text);
    } catch (error) {
      return { ok: false, message: `The architecture is not valid JSON: ${(error as Error).message}` };
    }
    return validateArchitecture(json);
  });

  readonly #view = $derived.by((): EstimatorView => {
    const parsed = this.#parsed;
    if (!parsed.ok) return { ok: false, message: 'message' in parsed ? parsed.message : parsed.error.message };
    const targets = presetTargets.filter((t) => this.#targetIds.includes(t.id));
    if (targets.length === 0) return { ok: false, message: 'Choose at least one target.' };
    try {
      return { ok: true, estimate: estimate(parsed.architecture, targets), targets };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  });

  constructor(text: string, targetIds: readonly string[]) {
    this.#text = text;
    this.#targetIds = targetIds;
  }

  get text(): string {
    return this.#text;
  }
  get targetIds(): readonly string[] {
    return this.#targetIds;
  }
  get accounting(): Accounting {
    return this.#accounting;
  }
  get view(): EstimatorView {
    return this.#view;
  }

  editArchitecture(text: string): void {
    this.#text = text;
  }

  toggleTarget(id: string, selected: boolean): void {
    const others = this.#targetIds.filter((t) => t !== id);
    this.#targetIds = selected ? [...others, id] : others;
  }

  chooseAccounting(accounting: Accounting): void {
    this.#accounting = accounting;
  }
}
