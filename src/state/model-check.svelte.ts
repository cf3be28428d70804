/**
 * "Check the model" in the trial detail: the int8 model's confusion matrix on the test set, and
 * "try it", its answer for a picture the user draws or drops, or for a test image. Both are
 * computed in the worker (through PlaygroundState, or any `ModelChecker`); this class holds the
 * answers, says what went wrong in words, and drops stale answers (the latest request wins).
 */
import type { TrialCheck, TrialPrediction, TryInput } from '../contracts/search-worker.ts';
import { type Framing, type InputShape, framingOf } from '../core/model-input.ts';
import { messageOf } from '../core/error-message.ts';

/** What the worker offers for this (PlaygroundState has both). */
export interface ModelChecker {
  checkTrial(trialId: string): Promise<TrialCheck | undefined>;
  predict(trialId: string, input: TryInput): Promise<TrialPrediction | undefined>;
}

export interface ModelCheckOptions {
  readonly trialId: string;
  /** The study's dataset: its framing says how a picture becomes the network's input. */
  readonly datasetId: string;
  readonly input: InputShape;
  /** Images in the test set, when known (the dataset list has it); else learnt from the worker. */
  readonly testCount?: number;
  /** Picks the test image for "Try a test image"; Math.random by default. */
  readonly random?: () => number;
}

const drawLabels: Readonly<Record<string, string>> = { digits: 'Draw a digit', mnist: 'Draw a digit', 'fashion-mnist': 'Draw a piece of clothing' };
const notKept = 'The weights of this trial were not kept, so its model cannot be checked: only trials on the Pareto front keep theirs.';

export class ModelCheckState {
  readonly trialId: string;
  readonly input: InputShape;
  readonly framing: Framing;
  /** The drawing canvas's accessible name: what to draw. */
  readonly drawLabel: string;
  readonly #checker: ModelChecker;
  readonly #random: () => number;
  #testCount: number | undefined;
  #check = $state.raw<TrialCheck | undefined>();
  #checking = $state(false);
  #checkError = $state<string | undefined>();
  #prediction = $state.raw<TrialPrediction | undefined>();
  #predicting = $state(false);
  #predictError = $state<string | undefined>();
  /** Number of the latest prediction asked for: an older answer arriving later is dropped. */
  #latest = 0;

  constructor(checker: ModelChecker, options: ModelCheckOptions) {
    this.#checker = checker;
    this.trialId = options.trialId;
    this.input = options.input;
    this.framing = framingOf(options.datasetId, options.input);
    this.drawLabel = drawLabels[options.datasetId] ?? 'Draw an image';
    this.#testCount = options.testCount;
    this.#random = options.random ?? Math.random;
  }

  get check(): TrialCheck | undefined {
    return this.#check;
  }
  get checking(): boolean {
    return this.#checking;
  }
  get checkError(): string | undefined {
    return this.#checkError;
  }
  get prediction(): TrialPrediction | undefined {
    return this.#prediction;
  }
  get predicting(): boolean {
    return this.#predicting;
  }
  get predictError(): string | undefined {
    return this.#predictError;
  }

  /** Runs the int8 model on the whole test set ("Check on the test set"). */
  async runCheck(): Promise<void> {
    if (this.#checking) return;
    this.#checking = true;
    this.#checkError = undefined;
    try {
      const check = await this.#checker.checkTrial(this.trialId);
      if (!check) this.#checkError = notKept;
      else {
        this.#check = check;
        this.#testCount = check.testCount;
      }
    } catch (error) {
      this.#checkError = `The model could not be checked on the test set: ${messageOf(error)}`;
    } finally {
      this.#checking = false;
    }
  }

  /** The int8 model's answer for pixels in the network's input shape (a drawing or a dropped picture, framed). */
  predictPixels(pixels: Uint8Array): Promise<void> {
    const { height, width, channels } = this.input;
    if (pixels.length !== height * width * channels) {
      this.#predictError = `The picture became ${pixels.length} pixels, but the model takes ${height}×${width}×${channels}.`;
      return Promise.resolve();
    }
    return this.#predict({ pixels });
  }

  /** "Try a test image": a test image drawn at random. */
  tryTestImage(): Promise<void> {
    const count = this.#testCount ?? this.#prediction?.testImage?.count;
    const index = count ? Math.min(count - 1, Math.floor(this.#random() * count)) : 0;
    return this.#predict({ testImage: index });
  }

  /** "Clear": forgets the answer (an answer still on its way is dropped). */
  clear(): void {
    this.#latest++;
    this.#prediction = undefined;
    this.#predictError = undefined;
    this.#predicting = false;
  }

  async #predict(input: TryInput): Promise<void> {
    const request = ++this.#latest;
    this.#predicting = true;
    this.#predictError = undefined;
    try {
      const prediction = await this.#checker.predict(this.trialId, input);
      if (request !== this.#latest) return;
      if (!prediction) this.#predictError = notKept;
      else {
        this.#prediction = prediction;
        if (prediction.testImage) this.#testCount = prediction.testImage.count;
      }
    } catch (error) {
      if (request === this.#latest) this.#predictError = `The model could not answer: ${messageOf(error)}`;
    } finally {
      if (request === this.#latest) this.#predicting = false;
    }
  }
}
