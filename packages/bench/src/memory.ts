/**
 * Memory over time: 100,000 W1 training steps in chainrule, heap measured after a full gc every
 * 25,000 steps (run in a child process with --expose-gc). The baseline is taken after a 10,000-step
 * warm-up, because the first steps grow the heap once with compiled code and inline-cache feedback
 * (reported separately); a leak shows as growth after that.
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

/** Heap growth allowed over 100,000 steps: a leak of even 1 byte per step would exceed it. */
const ALLOWED = 64 * 1024;

/**
 * Runs the memory-over-time check in a fresh child process.
 * @example
 * ```ts
 * runMemory().targets[0].met; // true when the heap did not grow
 * ```
 */
export function runMemory(): WorkloadResult {
  const t = runChild<MemoryTrace>(['memory', '100000', '25000']);
  const kb = (b: number) => (b / 1024).toFixed(1);
  const growth = t.heapUsed[t.heapUsed.length - 1] - t.heapUsed[0];
  const row: Row = {
    workload: 'Memory: 100k W1 steps (chainrule)',
    metric: 'heap after gc, end − start (after warm-up), KB',
    better: 'none',
    values: { chainrule: growth / 1024 },
    text: { chainrule: `${kb(growth)} KB` },
  };
  const target: Target = {
    name: '100,000 W1 training steps leave the heap where it started (after gc; allowed growth < 64 KB)',
    met: growth < ALLOWED,
    detail:
      `heap after gc at steps ${t.steps.join(', ')} (after a ${t.warmupSteps}-step warm-up): ${t.heapUsed.map(kb).join(', ')} KB, growth ${kb(growth)} KB; ` +
      `before the warm-up ${kb(t.coldHeapUsed)} KB`,
  };
  return { rows: [row], targets: [target], notes: [`Memory run: loss after ${t.warmupSteps + 100_000} steps ${t.loss}.`] };
}
