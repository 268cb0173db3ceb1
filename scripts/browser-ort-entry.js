// The ONNX Runtime Web page of scripts/browser-smoke.mjs (/ort.html), bundled by esbuild from the
// built @chainrule/core and @chainrule/nn (packages/*/dist) and served from 127.0.0.1 under a
// Content-Security-Policy that allows 'self' and 'wasm-unsafe-eval' and nothing more. In the page:
// chainrule builds a few models, exports each with exportOnnx, and onnxruntime-web (its WebAssembly
// backend, loaded from the test server's copy of node_modules/onnxruntime-web/dist, one thread) runs
// the bytes; its outputs must equal chainrule's forward to 1e-12 relative in float64 (1e-6 for the
// float32 model), and the same bytes read back with importOnnx must compute them too. Every check is
// recorded in window.__smoke, as on the other pages. Plain JavaScript, public APIs only.
import { einsum, noGrad, oneHot, pad, randn, tensor, topk } from '@chainrule/core';
import { CrossEntropyLoss, Dense, Module, ReLU, Sequential, Softmax, Tanh, exportOnnx, importOnnx } from '@chainrule/nn';

const checks = [];
const info = { mode: 'ort' };
const check = (name, ok, detail) => checks.push({ name, ok: Boolean(ok), detail });

/** A module computing `f` on its inputs. */
class Fn extends Module {
  constructor(f) {
    super();
    this.f = f;
  }
  forward(...xs) {
    return this.f(...xs);
  }
}

/** The largest |a − b| / max(|a|, |b|) over two arrays (0 where both are equal, NaN matching NaN). */
function largestRelative(a, b) {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    if (Object.is(a[i], b[i]) || (Number.isNaN(a[i]) && Number.isNaN(b[i]))) continue;
    const rel = Math.abs(a[i] - b[i]) / Math.max(Math.abs(a[i]), Math.abs(b[i]));
    worst = Number.isNaN(rel) ? Infinity : Math.max(worst, rel);
  }
  return worst;
}

const f64 = 1e-12;
const x34 = randn([3, 4], { seed: 40 });
const cases = [
  {
    name: 'MLP with softmax, dynamic batch (exported on 2 samples, run on 5)',
    module: new Sequential(new Dense(3, 16, { seed: 1 }), new Tanh(), new Dense(16, 8, { seed: 2 }), new ReLU(), new Dense(8, 4, { seed: 3 }), new Softmax()),
    inputs: [randn([2, 3], { seed: 26 })],
    runInputs: [randn([5, 3], { seed: 27 })],
    batchAxis: 0,
    rtol: f64,
  },
  {
    name: 'indexing, sort and shape ops (index, argsort, topk, pad reflect, tril, oneHot of argmax, flip, maskedFill, einsum, logsumexp)',
    module: new Fn((x) =>
      x.index([':', -1, null]).add(x.argsort({ descending: true })).add(pad(x, [1, -1], { mode: 'reflect' })).add(x.tril())
        .add(oneHot(x.argmax(1), 4)).add(x.flip(1).maskedFill(x.gt(0.5), -2)).add(topk(x, 2).values.sum(1, true))
        .add(einsum('ij,kj->ik', x, x).sum(1, true)).add(x.logsumexp(1, true))),
    inputs: [x34],
    rtol: f64,
  },
  {
    name: 'CrossEntropyLoss, class indices as an input',
    module: new CrossEntropyLoss(),
    inputs: [randn([4, 3], { seed: 34 }), tensor([0, 2, 1, 2])],
    rtol: f64,
  },
  {
    name: 'float32 model (ONNX Runtime Web in float32, 1e-6)',
    module: new Sequential(new Dense(3, 8, { seed: 5, dtype: 'float32' }), new Tanh(), new Dense(8, 2, { seed: 6, dtype: 'float32' })),
    inputs: [randn([4, 3], { seed: 30, dtype: 'float32' })],
    rtol: 1e-6,
  },
];

async function run() {
  const t0 = performance.now();
  const ort = await import('/ort-dist/ort.wasm.min.mjs');
  ort.env.wasm.numThreads = 1; // one thread: no SharedArrayBuffer, no cross-origin isolation needed
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmPaths = '/ort-dist/'; // the .mjs glue and .wasm from the test server, never a CDN
  info.ortVersion = ort.env.versions.web;
  info.crossOriginIsolated = globalThis.crossOriginIsolated === true;
  for (const c of cases) {
    const t = performance.now();
    try {
      const bytes = exportOnnx(c.module, c.inputs, { batchAxis: c.batchAxis });
      const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
      const inputs = c.runInputs ?? c.inputs;
      const feeds = {};
      session.inputNames.forEach((name, i) => {
        const x = inputs[i];
        feeds[name] = new ort.Tensor(x.dtype, x.dtype === 'float32' ? Float32Array.from(x.buffer) : Float64Array.from(x.buffer), x.shape.slice());
      });
      const result = await session.run(feeds);
      const out = result[session.outputNames[0]];
      const expected = Array.from(out.data);
      const ours = noGrad(() => c.module.forward(...inputs));
      const type = inputs[0].dtype;
      const d1 = largestRelative(Array.from(ours.buffer), expected);
      check(`${c.name}: chainrule = ONNX Runtime Web (${out.type}, ${expected.length} values)`, out.type === type && d1 <= c.rtol, `largest relative difference ${d1.toExponential(2)} (tolerance ${c.rtol})`);
      const again = noGrad(() => importOnnx(bytes).forward(...inputs));
      const d2 = largestRelative(Array.from(again.buffer), expected);
      check(`${c.name}: the file read back by importOnnx = ONNX Runtime Web`, d2 <= c.rtol, `largest relative difference ${d2.toExponential(2)}`);
      await session.release();
    } catch (e) {
      check(`${c.name}: exported and run by ONNX Runtime Web`, false, String(e && e.stack ? e.stack : e));
    }
    info[`ms ${c.name}`] = performance.now() - t;
  }
  info.ms = performance.now() - t0;
}

run()
  .catch((e) => check('the ONNX Runtime Web page ran', false, String(e && e.stack ? e.stack : e)))
  .finally(() => {
    window.__smoke = { checks, info };
  });
