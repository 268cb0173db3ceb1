/**
 * jax-js as a peer: `@jax-js/jax` on its Wasm backend, in four variants (jitted or eager, float32
 * or float64). Loaded once, lazily, like TF.js. What it needs on Node 20 (see TOOLCHAIN.md):
 * - a `Float16Array` global: jax-js tests `data instanceof Float16Array` when it makes any array
 *   from a typed array, and Node 20 has none (the test throws). A class nothing can construct only
 *   makes that test false.
 * - `init('wasm')`; Node has no global `Worker`, so the backend runs single-threaded, as TF.js's
 *   wasm backend does here.
 * - an `await blockUntilReady(...)` after every training step: without it the pending work queues
 *   up and a 1,000-step run got over ten times slower when this was written.
 * - numbers that jitted code uses as float64 passed in as 0-d arrays: a plain JS number in a jitted
 *   function is rounded to float32.
 * jax-js counts references: every function takes ownership of the arrays passed to it, so an array
 * used again later is passed as `a.ref`.
 * @module
 */
import type * as JAX from '@jax-js/jax';
import type { JaxPeer } from './harness.js';
import type { AdamWSettings } from './steps.js';

/** The jax-js namespace type. */
export type Jax = typeof JAX;
/** A jax-js array. */
export type JaxArray = JAX.Array;

/** One of the four ways jax-js runs a workload. */
export interface JaxVariant {
  peer: JaxPeer;
  dtype: 'float32' | 'float64';
  /** Whether the step is compiled with `jit` (fused kernels, one dispatch per step) or run op by op. */
  jit: boolean;
}

/** The four variants, jitted first. */
export const JAX_VARIANTS: readonly JaxVariant[] = [
  { peer: 'jax-f32', dtype: 'float32', jit: true },
  { peer: 'jax-f64', dtype: 'float64', jit: true },
  { peer: 'jax-eager-f32', dtype: 'float32', jit: false },
  { peer: 'jax-eager-f64', dtype: 'float64', jit: false },
];

/**
 * The variant of a jax-js peer name.
 * @example
 * ```ts
 * jaxVariant('jax-eager-f64'); // { peer: 'jax-eager-f64', dtype: 'float64', jit: false }
 * ```
 */
export function jaxVariant(peer: string): JaxVariant {
  const v = JAX_VARIANTS.find((x) => x.peer === peer);
  if (v === undefined) throw new Error(`jaxVariant: '${peer}' is no jax-js peer; expected one of ${JAX_VARIANTS.map((x) => x.peer).join(', ')}`);
  return v;
}

let loaded: Jax | null = null;

/**
 * Loads jax-js and starts its Wasm backend as the default device (once per process).
 * @example
 * ```ts
 * const jax = await loadJax(); jax.numpy.array([1, 2, 3]);
 * ```
 */
export async function loadJax(): Promise<Jax> {
  if (loaded !== null) return loaded;
  const g = globalThis as { Float16Array?: unknown };
  g.Float16Array ??= class Float16Array {
    constructor() {
      throw new Error('Float16Array: not available on this Node version (stand-in defined by the benchmark for jax-js)');
    }
  };
  const jax = (await import('@jax-js/jax')) as unknown as Jax;
  const devices = await jax.init('wasm');
  if (!devices.includes('wasm')) throw new Error(`jax-js: the wasm backend did not start (available: ${devices.join(', ')})`);
  jax.defaultDevice('wasm');
  loaded = jax;
  return jax;
}

/**
 * A jax-js array of the variant's dtype holding `data` with `shape`.
 * @example
 * ```ts
 * jaxArray(jax, 'float64', [1, 2, 3, 4], [2, 2]);
 * ```
 */
export function jaxArray(jax: Jax, dtype: JaxVariant['dtype'], data: ArrayLike<number>, shape: readonly number[]): JaxArray {
  const buffer = dtype === 'float32' ? Float32Array.from(data) : Float64Array.from(data);
  return jax.numpy.array(buffer, { dtype: dtype === 'float32' ? jax.numpy.float32 : jax.numpy.float64, shape: [...shape] });
}

/**
 * A 0-d array: how a constant reaches jitted code without being rounded to float32.
 * @example
 * ```ts
 * const lr = jaxScalar(jax, 'float64', 0.35);
 * ```
 */
export function jaxScalar(jax: Jax, dtype: JaxVariant['dtype'], value: number): JaxArray {
  return jaxArray(jax, dtype, [value], []);
}

/**
 * `fn` jitted for a jitted variant, as it is for an eager one.
 * @example
 * ```ts
 * const step = compile(jax, variant, (p, x) => ...); // call it with owned arrays
 * ```
 */
export function compile<F extends (...args: any[]) => JAX.JsTree<JaxArray>>(jax: Jax, variant: JaxVariant, fn: F): F {
  return variant.jit ? (jax.jit(fn) as unknown as F) : fn;
}

/**
 * jax-js's DType of a variant.
 * @example
 * ```ts
 * bernoulliMask.astype(jaxDType(jax, 'float64'));
 * ```
 */
export function jaxDType(jax: Jax, dtype: JaxVariant['dtype']): JAX.DType {
  return dtype === 'float32' ? jax.numpy.float32 : jax.numpy.float64;
}

/** What a training step function built on {@link JaxAdamW} returns: parameters, moments and the loss. */
export type JaxStepOutput = [JaxArray[], JaxArray[], JaxArray[], JaxArray];

/**
 * AdamW for jax-js, written out (jax-js's optimizer package, @jax-js/optax, is not on the npm
 * registry): the parameters and moments live here between steps; {@link JaxAdamW.update} is the
 * pure update a step function calls, jitted or not, and {@link JaxAdamW.run} runs such a step.
 * @example
 * ```ts
 * const adam = new JaxAdamW(jax, 'float32', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-4 }, params.map(() => true));
 * const step = jit((p, m, v, constants, x) => { const [loss, g] = valueAndGrad(f)(tree.ref(p), x); return [...JaxAdamW.update(jax, p, g, m, v, constants, adam.decays), loss]; });
 * await adam.run(step, x.ref); // the loss
 * ```
 */
export class JaxAdamW {
  params: JaxArray[];
  /** First and second moments, one per parameter. */
  m: JaxArray[];
  v: JaxArray[];
  private t = 0;

  /**
   * @param params the initial parameters (owned from here on).
   * @param decays whether each parameter gets the weight decay.
   * @example
   * ```ts
   * const adam = new JaxAdamW(jax, 'float32', params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-4 }, params.map(() => true));
   * ```
   */
  constructor(
    private readonly jax: Jax,
    private readonly dtype: JaxVariant['dtype'],
    params: JaxArray[],
    private readonly settings: AdamWSettings,
    readonly decays: readonly boolean[],
  ) {
    this.params = params;
    this.m = params.map((p) => jax.numpy.zeros([...p.shape], { dtype: jaxDType(jax, dtype) }));
    this.v = params.map((p) => jax.numpy.zeros([...p.shape], { dtype: jaxDType(jax, dtype) }));
  }

  /**
   * One training step: `step(params, m, v, constants, ...inputs)` (jitted or not, ending in
   * {@link JaxAdamW.update}); keeps the new parameters and moments, waits until they are computed
   * and returns the loss.
   * @example
   * ```ts
   * const loss = await adam.run(step, x.ref, y.ref);
   * ```
   */
  async run(step: (...args: any[]) => JaxStepOutput, ...inputs: JAX.JsTree<JaxArray>[]): Promise<number> {
    const [p, m, v, loss] = step(this.params, this.m, this.v, this.constants(), ...inputs);
    [this.params, this.m, this.v] = [p, m, v];
    await this.jax.blockUntilReady([p, m, v]);
    return (await loss.data())[0];
  }

  /**
   * The next step's constants as 0-d arrays (numbers in jitted code would be rounded to float32):
   * lr, β₁, 1 − β₁, β₂, 1 − β₂, ε, the bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ, and the decay factor 1 − lr·wd.
   * @example
   * ```ts
   * const [p, m, v] = JaxAdamW.update(jax, params, grads, adam.m, adam.v, adam.constants(), adam.decays);
   * ```
   */
  constants(): JaxArray[] {
    this.t++;
    const { lr, betas, eps, weightDecay } = this.settings;
    const [b1, b2] = betas;
    return [lr, b1, 1 - b1, b2, 1 - b2, eps, 1 - b1 ** this.t, 1 - b2 ** this.t, 1 - lr * weightDecay].map((c) => jaxScalar(this.jax, this.dtype, c));
  }

  /**
   * One AdamW step: m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², p ← p·(1 − lr·wd) − lr·m̂ / (√v̂ + ε)
   * with m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ). Takes ownership of everything passed.
   * @example
   * ```ts
   * [params, adam.m, adam.v] = JaxAdamW.update(jax, params, grads, adam.m, adam.v, constants, adam.decays);
   * ```
   */
  static update(jax: Jax, params: JaxArray[], grads: JaxArray[], m: JaxArray[], v: JaxArray[], constants: JaxArray[], decays: readonly boolean[]): [JaxArray[], JaxArray[], JaxArray[]] {
    const [lr, b1, oneMinusB1, b2, oneMinusB2, eps, bc1, bc2, decay] = constants;
    const nextM = m.map((mi, i) => mi.mul(b1.ref).add(grads[i].ref.mul(oneMinusB1.ref)));
    const nextV = v.map((vi, i) => vi.mul(b2.ref).add(jax.numpy.square(grads[i]).mul(oneMinusB2.ref)));
    const nextP = params.map((p, i) => {
      const kept = decays[i] ? p.mul(decay.ref) : p;
      const stepSize = nextM[i].ref.div(bc1.ref).mul(lr.ref);
      return kept.sub(stepSize.div(jax.numpy.sqrt(nextV[i].ref.div(bc2.ref)).add(eps.ref)));
    });
    jax.tree.dispose(constants);
    return [nextP, nextM, nextV];
  }
}
