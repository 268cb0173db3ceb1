/**
 * TensorFlow.js as a peer: the full `@tensorflow/tfjs` bundle (tfjs-core alone has no gradients)
 * plus the wasm backend, which runs single-threaded under Node. Loaded once, lazily.
 * @module
 */
import type * as TF from '@tensorflow/tfjs';

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
