/**
 * The training progress display: a `cli-progress` bar per epoch on a terminal, plain periodic lines
 * elsewhere (CI logs, pipes). Both show the same text, made by {@link formatProgress}.
 * @module
 */
import { SingleBar } from 'cli-progress';
import type { StepReport } from './model.js';

/** What one progress line shows: where the run is, its running figures, its speed. @example `formatProgress({ ...stepReport, stepsPerSecond: 20, secondsLeft: 33 })` */
export interface ProgressFields extends StepReport {
  /** Training steps per second of wall time over the run so far (NaN before there is a measurement). */
  stepsPerSecond: number;
  /** Estimated seconds until the last step of the run, at that speed. */
  secondsLeft: number;
}

/** `m:ss` (or `h:mm:ss`) for a number of seconds; `--:--` when unknown. @example `formatDuration(75) // '1:15'` */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const total = Math.round(seconds);
  const [h, m, s] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  const mmss = `${String(m).padStart(h > 0 ? 2 : 1, '0')}:${String(s).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

/**
 * One progress line: `epoch 2/5 [██████░░░░] 60% 80/133 | loss 0.1234 | acc 96.21% | 21.4 steps/s | 0:45 left`.
 * `barWidth` 0 leaves the bar out (the plain lines of a log).
 * @example
 * ```ts
 * formatProgress({ epoch: 1, epochs: 5, step: 10, stepsPerEpoch: 133, loss: 1.9, accuracy: 0.4, stepsPerSecond: 20, secondsLeft: 33 });
 * ```
 */
export function formatProgress(f: ProgressFields, barWidth = 20): string {
  const done = f.step / f.stepsPerEpoch;
  const filled = Math.round(done * barWidth);
  const bar = barWidth > 0 ? ` [${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}]` : '';
  const count = `${String(f.step).padStart(String(f.stepsPerEpoch).length)}/${f.stepsPerEpoch}`;
  return [
    `epoch ${f.epoch}/${f.epochs}${bar} ${String(Math.floor(100 * done)).padStart(3)}% ${count}`,
    `loss ${f.loss.toFixed(4)}`,
    `acc ${(100 * f.accuracy).toFixed(2)}%`,
    `${Number.isFinite(f.stepsPerSecond) ? f.stepsPerSecond.toFixed(1) : '--'} steps/s`,
    `${formatDuration(f.secondsLeft)} left`,
  ].join(' | ');
}

/** Options of {@link TrainingProgress}. @example `new TrainingProgress({ stream: process.stderr, everySeconds: 30 })` */
export interface TrainingProgressOptions {
  /** Where to write (default process.stdout); a bar only if it is a TTY. */
  stream?: NodeJS.WriteStream;
  /** Without a TTY: at most one line per this many seconds within an epoch, plus each epoch's last (default 10). */
  everySeconds?: number;
}

/**
 * Shows a training run's {@link StepReport}s as it goes: on a terminal a `cli-progress` bar per
 * epoch that stays on screen when the epoch ends; otherwise a plain line every `everySeconds` and at
 * each epoch's end. It measures the speed itself (wall time from the first report).
 * @example
 * ```ts
 * const progress = new TrainingProgress();
 * trainMnist({ epochs, onStep: (r) => progress.update(r), onEpoch: (e) => progress.endEpoch(`held-out ${e.heldOutAccuracy}`) });
 * ```
 */
export class TrainingProgress {
  readonly #stream: NodeJS.WriteStream;
  readonly #everyMs: number;
  #bar: SingleBar | null = null;
  #firstMs: number | null = null;
  #lastLineMs = -Infinity;
  #stepsDone = 0;
  /** The latest step's fields, and the latest that went out as a plain line. */
  #last: ProgressFields | null = null;
  #written: ProgressFields | null = null;

  constructor(options: TrainingProgressOptions = {}) {
    this.#stream = options.stream ?? process.stdout;
    this.#everyMs = 1000 * (options.everySeconds ?? 10);
  }

  /** Takes one step's report. */
  update(report: StepReport): void {
    const now = performance.now();
    // the clock starts at the first step's end, so loading the data and the first step's warm-up are not counted
    this.#firstMs ??= now;
    this.#stepsDone++;
    const stepsPerSecond = (1000 * (this.#stepsDone - 1)) / (now - this.#firstMs); // NaN at the first step: no speed yet
    const fields: ProgressFields = { ...report, stepsPerSecond, secondsLeft: (report.epochs * report.stepsPerEpoch - this.#stepsDone) / stepsPerSecond };
    this.#last = fields;
    if (this.#stream.isTTY) {
      if (this.#bar === null) {
        this.#bar = new SingleBar({ stream: this.#stream, format: (_options, _params, payload: { fields: ProgressFields }) => formatProgress(payload.fields), hideCursor: true });
        this.#bar.start(report.stepsPerEpoch, 0, { fields });
      }
      this.#bar.update(report.step, { fields });
    } else if (now - this.#lastLineMs >= this.#everyMs) {
      this.#lastLineMs = now;
      this.#written = fields;
      this.#stream.write(`${formatProgress(fields, 0)}\n`);
    }
  }

  /** Closes the epoch's bar (or writes its last line), then writes `message` if given. */
  endEpoch(message?: string): void {
    if (this.#bar !== null) {
      this.#bar.stop();
      this.#bar = null;
    } else if (this.#last !== null && this.#last !== this.#written) {
      this.#stream.write(`${formatProgress(this.#last, 0)}\n`);
      this.#written = this.#last;
    }
    // the next epoch's first plain line comes everySeconds after this one
    this.#lastLineMs = performance.now();
    if (message !== undefined) this.#stream.write(`${message}\n`);
  }
}
