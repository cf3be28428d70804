/**
 * State of the live estimator: the architecture being edited (as JSON text, the one source of
 * truth, so that the layer editor and the text editor never disagree), the chosen targets and
 * accounting mode, and the estimate derived from them. The estimate is computed in core on the main
 * thread: it takes microseconds, so it can follow every keystroke; `estimateMs` shows that it does.
 */
import { type Architecture, type ArchitectureResult, type LayerType, validateArchitecture } from '../core/architecture.ts';
import type { PruningMethod } from '../core/pruning.ts';
import { type Accounting, type Estimate, estimate } from '../core/resources.ts';
import { type Target, presetTargets } from '../core/targets.ts';
import { isRecord } from '../core/untrusted.ts';

export type EstimatorView =
  | { readonly ok: true; readonly estimate: Estimate; readonly targets: readonly Target[]; /** Time the estimate took. */ readonly ms: number }
  | { readonly ok: false; readonly message: string };

/** A layer as the editor holds it: plain JSON that may still be invalid (the view says why). */
export type EditableLayer = Record<string, unknown> & { type: string };

/** What a new layer of each type starts with. */
export const newLayerDefaults: Readonly<Record<LayerType, EditableLayer>> = {
  conv: { type: 'conv', filters: 8, kernel: 3, stride: 1, padding: 'same' },
  separableConv: { type: 'separableConv', filters: 8, kernel: 3, stride: 1, padding: 'same' },
  downsampledConv: { type: 'downsampledConv', filters: 8, bottleneck: 4, kernel: 3, stride: 1, padding: 'same' },
  maxPool: { type: 'maxPool', size: 2 },
  avgPool: { type: 'avgPool', size: 2 },
  flatten: { type: 'flatten' },
  globalAvgPool: { type: 'globalAvgPool' },
  dense: { type: 'dense', units: 16 },
};

/** The fields each layer type has, in the order the editor shows them. */
export const layerFields: Readonly<Record<LayerType, readonly string[]>> = {
  conv: ['filters', 'kernel', 'stride', 'padding'],
  separableConv: ['filters', 'kernel', 'stride', 'padding'],
  downsampledConv: ['filters', 'bottleneck', 'kernel', 'stride', 'padding'],
  maxPool: ['size'],
  avgPool: ['size'],
  flatten: [],
  globalAvgPool: [],
  dense: ['units'],
};

interface EditableArchitecture {
  input: Record<string, unknown>;
  classes: unknown;
  layers: EditableLayer[];
}

export class EstimatorState {
  #text = $state('');
  #targetIds = $state.raw<readonly string[]>([]);
  // What the chip needs, as the setup (issue 13); SpArSe's metrics are one click away.
  #accounting = $state<Accounting>('deploy');
  #pruning = $state.raw<{ method: PruningMethod; sparsity: number }>({ method: 'none', sparsity: 0 });

  readonly #json = $derived.by((): { ok: true; value: unknown } | { ok: false; message: string } => {
    try {
      return { ok: true, value: JSON.parse(this.#text) };
    } catch (error) {
      return { ok: false, message: `The architecture is not valid JSON: ${(error as Error).message}` };
    }
  });

  readonly #parsed = $derived.by((): ArchitectureResult | { ok: false; message: string } => (this.#json.ok ? validateArchitecture(this.#json.value) : this.#json));

  readonly #view = $derived.by((): EstimatorView => {
    const parsed = this.#parsed;
    if (!parsed.ok) return { ok: false, message: 'message' in parsed ? parsed.message : parsed.error.message };
    const targets = presetTargets.filter((t) => this.#targetIds.includes(t.id));
    if (targets.length === 0) return { ok: false, message: 'Choose at least one target.' };
    try {
      const start = performance.now();
      const result = estimate(parsed.architecture, targets);
      return { ok: true, estimate: result, targets, ms: performance.now() - start };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  });

  /** The architecture as the layer editor sees it, when the text is JSON of the right overall shape. */
  readonly #editable = $derived.by((): EditableArchitecture | undefined => {
    const json = this.#json;
    if (!json.ok || !isRecord(json.value)) return undefined;
    const { input, classes, layers } = json.value;
    if (!isRecord(input) || !Array.isArray(layers) || !layers.every((l) => isRecord(l) && typeof l.type === 'string')) return undefined;
    return { input, classes, layers: layers as EditableLayer[] };
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
  /** The layers for the layer editor; undefined while the text is not an architecture's JSON. */
  get editable(): Readonly<EditableArchitecture> | undefined {
    return this.#editable;
  }
  /** The valid architecture being edited, if it is valid. */
  get architecture(): Architecture | undefined {
    return this.#parsed.ok ? this.#parsed.architecture : undefined;
  }
  get pruning(): { readonly method: PruningMethod; readonly sparsity: number } {
    return this.#pruning;
  }

  editArchitecture(text: string): void {
    this.#text = text;
  }

  /** Starts from a trial's (or any) architecture. */
  loadArchitecture(architecture: Architecture): void {
    this.#write({ input: { ...architecture.input }, classes: architecture.classes, layers: architecture.layers.map((l) => ({ ...l })) });
  }

  /** Starts from scratch: one small conv for this input and class count. */
  startFromScratch(input: { height: number; width: number; channels: number }, classes: number): void {
    this.#write({ input: { ...input }, classes, layers: [{ ...newLayerDefaults.conv, stride: 2 }, { type: 'flatten' }] });
  }

  addLayer(type: LayerType, at?: number): void {
    this.#edit((a) => a.layers.splice(at ?? a.layers.length, 0, { ...newLayerDefaults[type] }));
  }

  removeLayer(index: number): void {
    this.#edit((a) => a.layers.splice(index, 1));
  }

  moveLayer(index: number, by: -1 | 1): void {
    this.#edit((a) => {
      const to = index + by;
      if (to < 0 || to >= a.layers.length) return;
      const [layer] = a.layers.splice(index, 1);
      a.layers.splice(to, 0, layer!);
    });
  }

  /** Changes a layer's type, keeping the fields the new type shares with the old. */
  changeLayerType(index: number, type: LayerType): void {
    this.#edit((a) => {
      const old = a.layers[index];
      if (!old) return;
      const next: EditableLayer = { ...newLayerDefaults[type] };
      for (const field of layerFields[type]) if (field in old) next[field] = old[field];
      a.layers[index] = next;
    });
  }

  /** Sets a field of a layer; a number field takes what the user typed, even when invalid (the view says why). */
  setLayerField(index: number, field: string, value: number | string): void {
    this.#edit((a) => {
      const layer = a.layers[index];
      if (layer && field !== 'type') layer[field] = value;
    });
  }

  setInput(field: 'height' | 'width' | 'channels', value: number): void {
    this.#edit((a) => (a.input[field] = value));
  }

  setClasses(value: number): void {
    this.#edit((a) => (a.classes = value));
  }

  toggleTarget(id: string, selected: boolean): void {
    const others = this.#targetIds.filter((t) => t !== id);
    this.#targetIds = selected ? [...others, id] : others;
  }

  chooseAccounting(accounting: Accounting): void {
    this.#accounting = accounting;
  }

  choosePruning(method: PruningMethod, sparsity: number): void {
    this.#pruning = { method, sparsity: method === 'none' ? 0 : sparsity };
  }

  #edit(change: (architecture: EditableArchitecture) => void): void {
    const current = this.#editable;
    if (!current) return;
    const copy: EditableArchitecture = { input: { ...current.input }, classes: current.classes, layers: current.layers.map((l) => ({ ...l })) };
    change(copy);
    this.#write(copy);
  }

  #write(architecture: EditableArchitecture): void {
    this.#text = JSON.stringify(architecture, null, 2);
  }
}
