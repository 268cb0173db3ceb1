#!/usr/bin/env node
// The built @chainrule/core and @chainrule/nn with code generation from strings refused, as under a
// strict Content-Security-Policy: `node --disallow-code-generation-from-strings scripts/smoke-no-codegen.mjs`
// (scripts/test.mjs runs it so). Imports both packages by name from dist/, trains the article's
// network, runs gradcheck, saves and loads through @chainrule/nn/node, pushes large tensors through
// every strided copy (permute, slice, broadcast, concat and their gradients), checks that the
// ndarray interop, the only part that needs code generation, says so in a ChainruleError, and runs
// products on two threads (the built matmul worker).
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';

// Without the flag this script would prove nothing: refuse to run.
let refused = false;
try {
  new Function('');
} catch (e) {
  refused = e instanceof EvalError;
}
if (!refused) {
  console.error('smoke-no-codegen: run me with node --disallow-code-generation-from-strings');
  process.exit(2);
}

const nnRequire = createRequire(new URL('../packages/nn/package.json', import.meta.url));
const core = await import(nnRequire.resolve('@chainrule/core'));
const nn = await import(nnRequire.resolve('@chainrule/nn'));
const nnNode = await import(nnRequire.resolve('@chainrule/nn/node'));
const { tensor, randn, gradcheck, gradgradcheck, toNdarray, fromNdarray, ChainruleError, concat } = core;

const round = (v, d) => Math.round(v * 10 ** d) / 10 ** d;

// 1. The article's 2-2-2 network, first step and a few more, with @chainrule/nn.
const shared = { bias: 'shared', freezeBias: true };
const makeNet = () =>
  new nn.Sequential(
    new nn.Dense(2, 2, { weight: [[0.15, 0.2], [0.25, 0.3]], biasValue: 0.35, ...shared }),
    new nn.Sigmoid(),
    new nn.Dense(2, 2, { weight: [[0.4, 0.45], [0.5, 0.55]], biasValue: 0.6, ...shared }),
    new nn.Sigmoid(),
  );
const net = makeNet();
const x = tensor([0.05, 0.1]);
const target = tensor([0.01, 0.99]);
const lossFn = new nn.MSELoss({ reduction: 'halfSum' });
const optimizer = new nn.SGD(net.parameters(), { lr: 0.5 });
const losses = [];
for (let step = 0; step < 5; step++) {
  optimizer.zeroGrad();
  const loss = lossFn.forward(net.forward(x), target);
  loss.backward();
  if (step === 0) {
    const w5grad = net.parameters()[2].grad.buffer[0];
    assert.equal(round(w5grad, 9), 0.082167041, `dE/dw5 = ${w5grad}`);
  }
  losses.push(loss.item());
  optimizer.step();
}
assert.equal(round(losses[0], 9), 0.298371109, `E_total = ${losses[0]}`);
assert.equal(round(losses[1], 9), 0.291027774, `E after one step = ${losses[1]}`);
assert.ok(losses.every((l, i) => i === 0 || l < losses[i - 1]), `loss decreases: ${losses}`);

// 2. Save and load through @chainrule/nn/node: a fresh network gives the same outputs.
const dir = mkdtempSync(join(tmpdir(), 'chainrule-no-codegen-'));
try {
  const file = join(dir, 'net.json');
  nnNode.save(net, file);
  const copy = makeNet();
  nnNode.load(copy, file);
  assert.deepEqual(copy.forward(x).toArray(), net.forward(x).toArray());
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// 3. gradcheck and gradgradcheck through matmul, logSoftmax and slice (a gradient far from zero).
const logProb = (a, b) => a.matmul(b).logSoftmax().slice(1, 0, 1).sum();
const report = gradcheck(logProb, [randn([3, 4], { seed: 1 }), randn([4, 5], { seed: 2 })]);
assert.ok(report.ok && Math.abs(report.worst.numeric) > 1e-3, JSON.stringify(report));
assert.ok(gradgradcheck((a) => a.tanh().mul(a).sum(), [randn([3, 3], { seed: 3 })]).ok);

// 4. Large tensors through every strided copy (the loops that replaced ndarray-ops), forward and backward.
const big = randn([64, 96], { seed: 4, requiresGrad: true });
const mixed = big.transpose().slice(0, 8, 40, 2).add(randn([1, 64], { seed: 5 })).sum(0, true);
const joined = concat([mixed, mixed.mul(2)], 0);
joined.mul(randn(joined.shape, { seed: 6 })).sum().backward();
assert.deepEqual(big.grad.shape, [64, 96]);
const bt = big.transpose().buffer;
assert.equal(bt[5 * 64 + 7], big.buffer[7 * 96 + 5]);
const nchw = randn([4, 8, 16, 32], { seed: 7 });
const nhwc = nchw.permute([0, 2, 3, 1]);
assert.deepEqual(nhwc.shape, [4, 16, 32, 8]);
assert.equal(nhwc.buffer[((3 * 16 + 5) * 32 + 31) * 8 + 6], nchw.buffer[((3 * 8 + 6) * 16 + 5) * 32 + 31]); // [3,5,31,6] = [3,6,5,31]

// 5. The ndarray interop: toNdarray and Tensor.nd need ndarray's generated code and say so by name;
// fromNdarray only reads an ndarray's fields and works.
assert.throws(() => toNdarray(tensor([1, 2])), (e) => e instanceof ChainruleError && /^toNdarray: .*code generat/.test(e.message));
assert.throws(() => tensor([1, 2]).nd, (e) => e instanceof ChainruleError && /^Tensor\.nd: /.test(e.message));
const fields = { data: Float64Array.of(1, 2, 3, 4), shape: [2, 2], stride: [1, 2], offset: 0 };
assert.deepEqual(fromNdarray(fields).toArray(), [[1, 3], [2, 4]]);

// 6. Threads: the built worker (dist/kernels/matmul-worker.js) starts under the flag and computes
// chunks of products, bit-identical to one thread; its counters come from the same built module.
const threads = await import(new URL('kernels/matmul-threads.js', pathToFileURL(nnRequire.resolve('@chainrule/core'))).href);
core.setNumThreads(2);
const ta = randn([256, 256], { seed: 8 });
const tb = randn([256, 256], { seed: 9 });
const serial = ta.matmul(tb).buffer; // starts the worker
for (let t0 = Date.now(); threads.threadsReady() < 1 && Date.now() - t0 < 20_000;) await new Promise((r) => setTimeout(r, 10));
for (let i = 0; i < 100 && threads.parallelStats().workerChunks === 0; i++) {
  assert.deepEqual(ta.matmul(tb).buffer, serial);
  await new Promise((r) => setTimeout(r, 0));
}
assert.ok(threads.parallelStats().workerChunks > 0, `the worker computed no chunk: ${JSON.stringify(threads.parallelStats())}`);
core.setNumThreads(1);

console.log(`built @chainrule/core and @chainrule/nn work with code generation from strings refused ` +
  `(article E_total ${losses[0].toFixed(9)}, 5 SGD steps, save/load, gradcheck, strided copies, ndarray interop errors, ` +
  `a matmul worker thread)`);
