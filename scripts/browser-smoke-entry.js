// Runs in the browser pages of scripts/browser-smoke.mjs, bundled by esbuild from the built
// @chainrule/core (packages/core/dist) and served under a strict Content-Security-Policy (no
// 'unsafe-eval', no inline scripts). Every check is recorded in window.__smoke; the Node side reads
// it and decides the exit code. Plain JavaScript on purpose: no TypeScript, no custom conditions,
// only what a consumer's bundler sees, and only core's public API.
//
// The page's mode (?mode=...) says what to check:
// - simd: the article's figures, 256x256 matmul forward and backward bit for bit against naive loops
//   (with the WebAssembly SIMD tile, whose calls /instrument.js counts), and a gradcheck;
// - js: the same products where /instrument.js hid WebAssembly SIMD (as in a browser without it), so
//   core falls back to its JavaScript tile: the same bits, no SIMD call;
// - nowasm: the same under a policy without 'wasm-unsafe-eval': compiling the SIMD tile is refused and
//   core falls back to its JavaScript tile (the Node side expects that one violation);
// - refusal: the one part of core that needs code generation (the ndarray interop) reports the CSP's
//   refusal as a ChainruleError naming the function; the Node side also sees the page report the
//   violation, which shows that the header is enforced and that violations are observed; and a
//   compiled training step, whose generated runner is refused too, replays through the interpreter
//   with the eager run's bits.
import { ChainruleError, compile, gradcheck, noGrad, randn, tensor, toNdarray } from '@chainrule/core';

const mode = new URLSearchParams(location.search).get('mode') ?? 'simd';
const checks = [];
const info = { mode };
const check = (name, ok, detail) => checks.push({ name, ok: Boolean(ok), detail });
const round = (v, d) => Math.round(v * 10 ** d) / 10 ** d;
const simdTileCalls = () => globalThis.__simdTileCalls ?? 0;

/** Bitwise equality of two Float64Arrays (distinguishes -0 and +0, equal NaN payloads match). */
function bitsEqual(x, y) {
  if (x.length !== y.length) return { equal: false, firstDiff: -1 };
  const a = new Uint32Array(x.buffer, x.byteOffset, x.length * 2);
  const b = new Uint32Array(y.buffer, y.byteOffset, y.length * 2);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return { equal: false, firstDiff: i >> 1 };
  return { equal: true, firstDiff: -1 };
}

/** Naive triple loops, p ascending from a zero sum, over row-major n×n matrices. */
function naiveAB(A, B, n) { // C = A·B
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < n; p++) s += A[i * n + p] * B[p * n + j];
    C[i * n + j] = s;
  }
  return C;
}
function naiveABt(G, B, n) { // dA = G·Bᵀ
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < n; p++) s += G[i * n + p] * B[j * n + p];
    C[i * n + j] = s;
  }
  return C;
}
function naiveAtB(A, G, n) { // dB = Aᵀ·G
  const C = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < n; p++) s += A[p * n + i] * G[p * n + j];
    C[i * n + j] = s;
  }
  return C;
}

/** The article's 2-2-2 sigmoid network, one forward and backward pass with core ops. */
function article() {
  const Wh = tensor([[0.15, 0.2], [0.25, 0.3]], { requiresGrad: true }); // rows: h1, h2
  const Wo = tensor([[0.4, 0.45], [0.5, 0.55]], { requiresGrad: true }); // rows: o1, o2 (w5 = Wo[0][0])
  const x = tensor([[0.05, 0.1]]);
  const h = x.matmul(Wh.transpose()).add(0.35).sigmoid();
  const o = h.matmul(Wo.transpose()).add(0.6).sigmoid();
  const E = tensor([[0.01, 0.99]]).sub(o).square().mul(0.5).sum();
  E.backward();
  const eTotal = E.item();
  const dw5 = Wo.grad.buffer[0];
  check('article E_total = 0.298371109 (9 decimals)', round(eTotal, 9) === 0.298371109, `E_total = ${eTotal}`);
  check('article dE/dw5 = 0.082167041 (9 decimals)', round(dw5, 9) === 0.082167041, `dE/dw5 = ${dw5}`);
}

/** 256×256 matmul forward and backward against naive loops, bit for bit. */
function matmul256(label) {
  const n = 256;
  const A = randn([n, n], { seed: 1, requiresGrad: true });
  const B = randn([n, n], { seed: 2, requiresGrad: true });
  const G = randn([n, n], { seed: 3 });
  const C = A.matmul(B);
  C.backward(G);
  const c = bitsEqual(C.buffer, naiveAB(A.buffer, B.buffer, n));
  const da = bitsEqual(A.grad.buffer, naiveABt(G.buffer, B.buffer, n));
  const db = bitsEqual(B.grad.buffer, naiveAtB(A.buffer, G.buffer, n));
  const d = (r) => (r.equal ? 'bit-identical' : `differs first at element ${r.firstDiff}`);
  check(`256x256 matmul ${label}: C = A·B`, c.equal, d(c));
  check(`256x256 matmul ${label}: dA = G·Bᵀ`, da.equal, d(da));
  check(`256x256 matmul ${label}: dB = Aᵀ·G`, db.equal, d(db));
}

/** The article's network trained 30 steps eagerly and 30 compiled (from the same weights): the same bits, replayed by the interpreter. */
function compiledUnderCsp() {
  const setup = () => {
    const Wh = tensor([[0.15, 0.2], [0.25, 0.3]], { requiresGrad: true });
    const Wo = tensor([[0.4, 0.45], [0.5, 0.55]], { requiresGrad: true });
    const x = tensor([[0.05, 0.1]]);
    const step = () => {
      const o = x.matmul(Wh.transpose()).add(0.35).sigmoid().matmul(Wo.transpose()).add(0.6).sigmoid();
      const E = tensor([[0.01, 0.99]]).sub(o).square().mul(0.5).sum();
      E.backward();
      noGrad(() => {
        Wh.sub_(Wh.grad.mul(0.5));
        Wo.sub_(Wo.grad.mul(0.5));
      });
      Wh.grad = null;
      Wo.grad = null;
      return E;
    };
    return { step, Wo };
  };
  const eager = setup();
  const twin = setup();
  const compiled = compile(twin.step);
  const e = [];
  const c = [];
  for (let i = 0; i < 30; i++) {
    e.push(eager.step().item());
    c.push(compiled().item());
  }
  const same = e.every((v, i) => Object.is(v, c[i])) && bitsEqual(eager.Wo.buffer, twin.Wo.buffer).equal;
  check('compile under the CSP: replays through the interpreter, 30 losses and the weights bit-identical to eager', same && compiled.runner === 'interpreted' && compiled.lastRun === 'replay',
    `runner ${compiled.runner}, last run ${compiled.lastRun}, final loss eager ${e[29]} compiled ${c[29]}`);
}

/** Speed, informational only: best of 3 forward+backward runs, after the checks warmed up the JIT. */
function time256() {
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const A = randn([256, 256], { seed: 1, requiresGrad: true });
    const B = randn([256, 256], { seed: 2, requiresGrad: true });
    const t0 = performance.now();
    A.matmul(B).backward(randn([256, 256], { seed: 3 }));
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** A function whose gradient is far from zero everywhere, against central differences. */
function gradcheckSmall() {
  const f = (a, b) => a.matmul(b).sigmoid().add(1).log().mul(a.sum(1, true)).softmax().square().sum();
  const ga = randn([3, 4], { seed: 4, requiresGrad: true });
  const gb = randn([4, 3], { seed: 5, requiresGrad: true });
  f(ga, gb).backward();
  const maxGrad = Math.max(...[...ga.grad.buffer, ...gb.grad.buffer].map(Math.abs));
  const rep = gradcheck(f, [randn([3, 4], { seed: 4 }), randn([4, 3], { seed: 5 })]);
  check('gradcheck of a small function (matmul, sigmoid, log, softmax, square, sums)', rep.ok && maxGrad > 1e-3,
    `${rep.checked} entries, max |gradient| ${maxGrad.toFixed(4)}, max abs error ${rep.maxAbsError.toExponential(2)}, ` +
    `worst entry analytic ${rep.worst?.analytic.toExponential(6)} vs numeric ${rep.worst?.numeric.toExponential(6)}`);
}

function run() {
  info.userAgent = navigator.userAgent;
  if (mode === 'simd') {
    // WebAssembly SIMD in this browser, independent of core: a module using i8x16.splat and i8x16.popcnt.
    const simdProbe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
    info.simdAvailable = typeof WebAssembly === 'object' && WebAssembly.validate(simdProbe);
    check('WebAssembly SIMD available in this browser', info.simdAvailable, info.simdAvailable ? 'WebAssembly.validate(SIMD module) = true' : 'no WebAssembly SIMD');
    article();
    const before = simdTileCalls();
    matmul256('with the SIMD tile');
    info.simdTileCalls = simdTileCalls() - before; // one call per 64×256 block of C: 3 products × 4 blocks = 12 expected
    check('core used its WebAssembly SIMD tile for the 256x256 products', info.simdTileCalls > 0, `SIMD tile calls = ${info.simdTileCalls}`);
    gradcheckSmall();
    info.ms256 = time256();
  } else if (mode === 'js' || mode === 'nowasm') {
    article();
    matmul256(mode === 'js' ? 'with the JavaScript tile' : 'with WebAssembly refused by the CSP');
    check('the JavaScript tile ran: no call to a SIMD tile', simdTileCalls() === 0, `SIMD tile calls = ${simdTileCalls()}`);
    gradcheckSmall();
    info.ms256 = time256();
  } else if (mode === 'refusal') {
    try {
      toNdarray(tensor([[1, 2], [3, 4]]));
      check('toNdarray under the CSP throws a ChainruleError naming toNdarray', false, 'no error: code generation was allowed');
    } catch (e) {
      check('toNdarray under the CSP throws a ChainruleError naming toNdarray', e instanceof ChainruleError && /^toNdarray: /.test(e.message),
        `${e?.name}: ${String(e?.message).slice(0, 120)}...`);
    }
    article(); // everything else still works after the refusal
    compiledUnderCsp();
  } else {
    check(`known page mode (${mode})`, false);
  }
}

try {
  run();
} catch (e) {
  check('page ran without throwing', false, e && e.stack ? e.stack : String(e));
}
window.__smoke = { checks, info };
