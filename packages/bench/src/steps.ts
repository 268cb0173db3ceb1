/**
 * Workloads measured step by step (W6, W7): every peer builds its own trainer (model, optimizer,
 * data), and a step is one training step on one batch, its loss read back as a number (which
 * makes every peer finish the step's work before the clock stops).
 *
 * Two figures per peer: the first step of a fresh process (a child, `node child.js steps ...`:
 * everything a first step pays, from V8's JIT and TF.js's kernel set-up to jax-js's tracing and
 * compiling, after the libraries are loaded and the model is built), and the warm step (in this
 * process, after warm-up steps, the peers interleaved round by round).
 * @module
 */
import { interleave, median, now, runChild, type Contender, type Peer } from './harness.js';
import { atLeast, type Row, type Target } from './report.js';

/**
 * One peer's training: `step(k)` trains on batch k (cycled) and returns the batch's loss;
 * `prepare` (untimed) makes the peer current again (TF.js's backend) after other peers ran.
 */
export interface StepTrainer {
  step(k: number): number | Promise<number>;
  prepare?: () => Promise<void>;
}

/** AdamW's settings (PyTorch's algorithm: decoupled decay p·(1 − lr·wd), then the Adam step), for the peers that write it out. */
export interface AdamWSettings {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
}

/** The times and losses of consecutive steps, or the error that stopped them. */
export interface StepTimes {
  ms: number[];
  losses: number[];
  /** Set when the peer could not train (e.g. TF.js's wasm backend has no kernel for a gradient). */
  error?: string;
}

/**
 * A step workload with the counts W6 and W7 share: TF.js's cpu backend takes seconds per step on
 * both, so one step in a fresh process, one warm-up step, then three rounds of two steps (one with
 * --quick) keep each workload near a minute.
 * @example
 * ```ts
 * const W6 = stepWorkload('w6', 'W6 MNIST CNN step, batch 64', W6_PEERS, w6Trainer);
 * ```
 */
export function stepWorkload(id: string, title: string, peers: readonly Peer[], trainer: (peer: Peer) => Promise<StepTrainer>): StepWorkload {
  return { id, title, peers, trainer, coldSteps: 1, warmupSteps: 1, stepsPerRound: 2, rounds: { full: 3, quick: 1 } };
}

/**
 * Runs `count` steps of `trainer`, starting at batch `first`, timing each.
 * @example
 * ```ts
 * const { ms, losses } = await timeSteps(trainer, 3);
 * ```
 */
export async function timeSteps(trainer: StepTrainer, count: number, first = 0): Promise<StepTimes> {
  const out: StepTimes = { ms: [], losses: [] };
  for (let k = first; k < first + count; k++) {
    const t0 = now();
    const loss = await trainer.step(k);
    out.ms.push(now() - t0);
    out.losses.push(loss);
  }
  return out;
}

/** A step workload: how to make each peer's trainer, and how long to run it. */
export interface StepWorkload {
  /** 'w6' or 'w7': the name the child process is started with. */
  id: string;
  /** The table's label, e.g. 'W6 MNIST CNN, batch 64'. */
  title: string;
  peers: readonly Peer[];
  /** A fresh trainer for `peer` (loads what the peer needs). */
  trainer(peer: Peer): Promise<StepTrainer>;
  /** Steps a fresh process runs; the first gives the cold figure and the first loss. */
  coldSteps: number;
  /** Uncounted steps before the rounds, then steps per round and rounds (full, and with --quick). */
  warmupSteps: number;
  stepsPerRound: number;
  rounds: { full: number; quick: number };
}

/** What a step workload hands back before its own rows and notes are added. */
export interface StepResults {
  rows: Row[];
  /** Per peer: warm ms per step (median over rounds) and the spread of the round means. */
  warm: Map<Peer, { median: number; min: number; max: number }>;
  cold: Map<Peer, StepTimes>;
}

/**
 * A fresh trainer for `peer` and its first `count` steps (what a child process runs); an error
 * while building or training is the result, not a crash.
 * @example
 * ```ts
 * console.log(JSON.stringify(await coldSteps(W6, 'tfjs-wasm', 3))); // { ms: [], losses: [], error: "Error: Kernel ..." }
 * ```
 */
export async function coldSteps(w: StepWorkload, peer: Peer, count: number): Promise<StepTimes> {
  try {
    return await timeSteps(await w.trainer(peer), count);
  } catch (e) {
    return { ms: [], losses: [], error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

/** A failed peer's table cell: the start of its error. */
function failedCell(error: string): string {
  const message = error.split('\n')[0];
  return `failed: ${message.length > 80 ? `${message.slice(0, 77)}...` : message}`;
}

/**
 * Measures a step workload: one fresh child per peer for the cold step, then the warm rounds here
 * for every peer whose fresh process could train. Rows: warm ms / step, the first step of a fresh
 * process, and that step's loss.
 * @example
 * ```ts
 * const { rows } = await measureSteps(W6, { quick: true });
 * ```
 */
export async function measureSteps(w: StepWorkload, opts: { quick: boolean }): Promise<StepResults> {
  const cold = new Map<Peer, StepTimes>();
  for (const peer of w.peers) cold.set(peer, runChild<StepTimes>(['steps', w.id, peer, String(w.coldSteps)]));
  const contenders: Contender<number>[] = [];
  for (const peer of w.peers) {
    if (cold.get(peer)!.error !== undefined) continue;
    const trainer = await w.trainer(peer);
    let next = 0;
    contenders.push({
      peer,
      ...(trainer.prepare ? { prepare: trainer.prepare } : {}),
      warmup: async () => {
        await timeSteps(trainer, w.warmupSteps, next);
        next += w.warmupSteps;
      },
      run: async () => {
        const { ms } = await timeSteps(trainer, w.stepsPerRound, next);
        next += w.stepsPerRound;
        return ms.reduce((a, b) => a + b, 0) / ms.length;
      },
    });
  }
  const runs = await interleave(opts.quick ? w.rounds.quick : w.rounds.full, contenders);
  const warm = new Map<Peer, { median: number; min: number; max: number }>();
  for (const [peer, means] of runs) warm.set(peer, { median: median(means), min: Math.min(...means), max: Math.max(...means) });
  const ran = [...cold].filter(([, c]) => c.error === undefined);
  const failed = Object.fromEntries([...cold].filter(([, c]) => c.error !== undefined).map(([p, c]) => [p, failedCell(c.error!)]));
  const rows: Row[] = [
    { workload: `${w.title}, warm`, metric: 'ms / step', better: 'lower', values: Object.fromEntries([...warm].map(([p, m]) => [p, m.median])), text: failed },
    { workload: `${w.title}, first step of a fresh process`, metric: 'ms', better: 'lower', values: Object.fromEntries(ran.map(([p, c]) => [p, c.ms[0]])) },
    { workload: w.title.split(' ')[0], metric: 'loss of the first step (batch 0)', better: 'none', values: Object.fromEntries(ran.map(([p, c]) => [p, c.losses[0]])) },
  ];
  // chainrule compiled: its own rows, in chainrule's column, beside the same figures of the others
  const compiledWarm = warm.get('chainrule-compiled');
  const compiledCold = cold.get('chainrule-compiled');
  if (compiledWarm !== undefined && compiledCold !== undefined && compiledCold.error === undefined) {
    rows.splice(
      2,
      0,
      { ...rows[0], workload: `${w.title}, compiled (compile: traced at the first step), warm`, values: { ...rows[0].values, chainrule: compiledWarm.median } },
      { ...rows[1], workload: `${w.title}, compiled, first step of a fresh process (the trace)`, values: { ...rows[1].values, chainrule: compiledCold.ms[0] } },
    );
  }
  return { rows, warm, cold };
}

/**
 * The notes every step workload adds: the spread of each peer's warm round means (min to max) and
 * each failed peer's whole error.
 * @example
 * ```ts
 * stepNotes(W6, results, opts); // ['W6 warm ms / step: median of 3 interleaved rounds of 2 steps ...']
 * ```
 */
export function stepNotes(w: StepWorkload, r: StepResults, opts: { quick: boolean }): string[] {
  const name = w.title.split(' ')[0];
  const spread = [...r.warm].map(([p, m]) => `${p} ${m.min.toFixed(1)}–${m.max.toFixed(1)}`);
  const rounds = opts.quick ? w.rounds.quick : w.rounds.full;
  const notes = [
    `${name} warm ms / step: median over ${rounds} interleaved rounds of ${w.stepsPerRound} steps each (after ${w.warmupSteps} warm-up step${w.warmupSteps === 1 ? '' : 's'}); spread of the round means (min–max): ${spread.join(', ')}.`,
  ];
  for (const [peer, c] of r.cold) if (c.error !== undefined) notes.push(`${name} ${peer} cannot train: ${c.error.split('\n')[0]}`);
  return notes;
}

/**
 * Issue 11's targets for a step workload: a warm step faster than jax-js jitted (float32, its
 * fastest) and than TF.js wasm, eager and compiled. A peer that could not train is not measured,
 * and the target says so.
 * @example
 * ```ts
 * stepTargets('W6', results); // [{ name: 'W6 warm step faster than jax-js jitted float32, eager', ... }, ...]
 * ```
 */
export function stepTargets(name: string, r: StepResults): Target[] {
  const warmOf = (p: Peer) => r.warm.get(p)?.median;
  const ratio = (mine: number | undefined, theirs: number | undefined) => (mine === undefined || theirs === undefined ? undefined : theirs / mine);
  const targets: Target[] = [];
  for (const [label, peer] of [['eager', 'chainrule'], ['compiled', 'chainrule-compiled']] as const) {
    targets.push(atLeast(`${name} warm step faster than jax-js jitted float32, ${label}`, ratio(warmOf(peer), warmOf('jax-f32')), 1, 'faster'));
    const wasm = r.cold.get('tfjs-wasm');
    const target = atLeast(`${name} warm step faster than TF.js wasm, ${label}`, ratio(warmOf(peer), warmOf('tfjs-wasm')), 1, 'faster');
    targets.push(wasm?.error !== undefined ? { ...target, detail: `TF.js wasm cannot train ${name}: ${wasm.error.split('\n')[0]}` } : target);
  }
  return targets;
}
