/**
 * Memory over time: 400,000 W1 training steps in chainrule, heap measured after a full gc every
 * 50,000 steps (run in a child process with --expose-gc). The first steps grow the heap with
 * compiled code and inline-cache feedback, and V8 keeps optimising for tens of thousands of steps,
 * so the heap after gc wanders by tens of KB with no leak at all (measured: +57 KB over the first
 * 100,000 steps, then flat within ±25 KB up to 400,000). A leak is a steady climb: the check is
 * the least-squares slope of the heap over the checkpoints from step 100,000 on, in bytes per step.
 * Anything kept per step is at least one object (16 bytes or more); the allowance is 0.5.
 * @module
 */
import { runChild } from './harness.js';
import type { Row, Target, WorkloadResult } from './report.js';
import { w1ChainruleNet } from './w1-article.js';

/** Heap after gc at each checkpoint (step 0 is after the warm-up). */
export interface MemoryTrace {
  /** Heap after gc before any step, and after the warm-up steps. */
  coldHeapUsed: number;
  warmupSteps: number;
  steps: number[];
  heapUsed: number[];
  loss: number;
}

/**
 * Trains W1 for `total` steps, reading `heapUsed` after a double gc every `every` steps
 * (needs --expose-gc).
 * @example
 * ```ts
 * traceW1Memory(1000, 250, 100).heapUsed.length; // 5
 * ```
 */
export function traceW1Memory(total: number, every: number, warmupSteps = 10_000): MemoryTrace {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('traceW1Memory needs node --expose-gc');
  const net = w1ChainruleNet();
  const heap = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const coldHeapUsed = heap();
  net.train(warmupSteps);
  const trace: MemoryTrace = { coldHeapUsed, warmupSteps, steps: [0], heapUsed: [heap()], loss: 0 };
  for (let s = every; s <= total; s += every) {
    net.train(every);
    trace.steps.push(s);
    trace.heapUsed.push(heap());
  }
  trace.loss = net.loss();
  return trace;
}

/** Leak allowed, in bytes per step: a leak of one object per step is 16 or more. */
const ALLOWED_BYTES_PER_STEP = 0.5;
/** Checkpoints before this step are left out of the slope (V8 is still compiling). */
const SLOPE_FROM = 100_000;

/**
 * The least-squares slope of `heap` over `steps`, using the checkpoints at `from` or later.
 * @example
 * ```ts
 * bytesPerStep([0, 100, 200, 300], [5000, 9000, 9100, 9200], 100); // 1
 * ```
 */
export function bytesPerStep(steps: readonly number[], heap: readonly number[], from: number): number {
  const xs: number[] = [];
  const ys: number[] = [];
  steps.forEach((s, i) => {
    if (s >= from) {
      xs.push(s);
      ys.push(heap[i]!);
    }
  });
  if (xs.length < 2) throw new Error(`bytesPerStep: need two checkpoints at step ${from} or later, got ${xs.length}`);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  return sxy / sxx;
}

/**
 * Runs the memory-over-time check in a fresh child process.
 * @example
 * ```ts
 * runMemory().targets[0].met; // true when the heap does not climb
 * ```
 */
export function runMemory(): WorkloadResult {
  const total = 400_000;
  const t = runChild<MemoryTrace>(['memory', String(total), '50000']);
  const kb = (b: number) => (b / 1024).toFixed(1);
  const growth = t.heapUsed[t.heapUsed.length - 1]! - t.heapUsed[0]!;
  const slope = bytesPerStep(t.steps, t.heapUsed, SLOPE_FROM);
  const row: Row = {
    workload: 'Memory: 400k W1 steps (chainrule)',
    metric: `heap after gc: climb from step ${SLOPE_FROM / 1000}k on, bytes per step (end − start, KB)`,
    better: 'none',
    values: { chainrule: slope },
    text: { chainrule: `${slope.toFixed(3)} B/step (${kb(growth)} KB)` },
  };
  const target: Target = {
    name: `${total.toLocaleString('en-US')} W1 training steps keep nothing: the heap after gc climbs less than ${ALLOWED_BYTES_PER_STEP} bytes per step from step ${SLOPE_FROM.toLocaleString('en-US')} on`,
    met: slope < ALLOWED_BYTES_PER_STEP,
    detail:
      `heap after gc at steps ${t.steps.join(', ')} (after a ${t.warmupSteps}-step warm-up): ${t.heapUsed.map(kb).join(', ')} KB; ` +
      `slope ${slope.toFixed(3)} bytes per step, end − start ${kb(growth)} KB; before the warm-up ${kb(t.coldHeapUsed)} KB`,
  };
  return { rows: [row], targets: [target], notes: [`Memory run: loss after ${t.warmupSteps + total} steps ${t.loss}.`] };
}
