/**
 * TensorFlow.js as a peer: the full `@tensorflow/tfjs` bundle (tfjs-core alone has no gradients)
 * plus the wasm backend, which runs single-threaded under Node. Loaded once, lazily.
 * @module
 */
import type * as TF from '@tensorflow/tfjs';
import type { AdamWSettings, StepTrainer } from './steps.js';

/** The TensorFlow.js namespace type. */
export type Tf = typeof TF;
let loaded: Tf | null = null;

/**
 * Loads TF.js and registers its wasm backend (both stay loaded for the process).
 * @example
 * ```ts
 * const tf = await loadTf(); await useBackend(tf, 'wasm');
 * ```
 */
export async function loadTf(): Promise<Tf> {
  if (loaded !== null) return loaded;
  const tf = (await import('@tensorflow/tfjs')) as unknown as Tf;
  await import('@tensorflow/tfjs-backend-wasm');
  loaded = tf;
  return tf;
}

/**
 * Switches TF.js to `backend` ('cpu' or 'wasm') and waits until it is ready; throws if it cannot.
 * @example
 * ```ts
 * await useBackend(await loadTf(), 'cpu');
 * ```
 */
export async function useBackend(tf: Tf, backend: 'cpu' | 'wasm'): Promise<void> {
  if (tf.getBackend() !== backend) {
    const ok = await tf.setBackend(backend);
    if (!ok) throw new Error(`TF.js backend '${backend}' failed to initialise`);
  }
  await tf.ready();
}

/**
 * AdamW for TF.js, which has Adam but no AdamW: gradients from `tf.variableGrads`, clipped to a
 * total norm when asked (PyTorch's clip_grad_norm_: c = min(maxNorm / (‖g‖ + 1e-6), 1)), then each
 * decayed variable scaled by 1 − lr·wd (PyTorch's decoupled decay, before the moments) and
 * `tf.train.adam` applying the gradients.
 * @example
 * ```ts
 * const adam = new TfAdamW(tf, vars, { lr: 6e-3, betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0.1 }, vars.map((v) => v.rank >= 2));
 * adam.step(() => loss(x, y), 1); // the loss before the step
 * ```
 */
export class TfAdamW {
  private readonly optimizer: TF.AdamOptimizer;
  private readonly shrink: TF.Scalar;

  /**
   * @param decays whether each variable gets the weight decay.
   * @example
   * ```ts
   * const adam = new TfAdamW(tf, vars, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-4 }, vars.map(() => true));
   * ```
   */
  constructor(
    private readonly tf: Tf,
    private readonly vars: readonly TF.Variable[],
    settings: AdamWSettings,
    private readonly decays: readonly boolean[],
  ) {
    this.optimizer = tf.train.adam(settings.lr, settings.betas[0], settings.betas[1], settings.eps);
    this.shrink = tf.scalar(1 - settings.lr * settings.weightDecay);
  }

  /**
   * One training step on `loss` (a function of the variables); returns the loss before the step.
   * @example
   * ```ts
   * adam.step(() => crossEntropy(model(x), y), 1); // clipped to total norm 1
   * ```
   */
  step(loss: () => TF.Scalar, maxGradNorm?: number): number {
    const tf = this.tf;
    const value = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(loss, [...this.vars]);
      let applied = grads;
      if (maxGradNorm !== undefined) {
        const names = Object.keys(grads);
        const total = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n])))));
        const scale = tf.minimum(tf.div(maxGradNorm, tf.add(total, 1e-6)), 1);
        applied = Object.fromEntries(names.map((n) => [n, tf.mul(grads[n], scale)]));
      }
      this.vars.forEach((v, i) => {
        if (this.decays[i]) v.assign(tf.mul(v, this.shrink));
      });
      this.optimizer.applyGradients(applied as Parameters<TF.AdamOptimizer['applyGradients']>[0]);
      return value;
    });
    const out = value.dataSync()[0];
    value.dispose();
    return out;
  }
}

/**
 * A step workload's TF.js trainer on `peer`'s backend: made there by `make`, and switched back there
 * (untimed, by `prepare`) before its rounds, since the interleaved peers share one TF.js.
 * @example
 * ```ts
 * const trainer = await tfStepTrainer('tfjs-cpu', (tf) => w6Tf(tf, data));
 * ```
 */
export async function tfStepTrainer(peer: 'tfjs-cpu' | 'tfjs-wasm', make: (tf: Tf) => StepTrainer): Promise<StepTrainer> {
  const tf = await loadTf();
  const backend = peer === 'tfjs-cpu' ? 'cpu' : 'wasm';
  await useBackend(tf, backend);
  return { ...make(tf), prepare: () => useBackend(tf, backend) };
}
