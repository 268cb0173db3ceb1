#!/usr/bin/env node
// Imports the built @chainrule/core by package name under plain node (no TypeScript, no custom
// conditions) and checks a gradient, so a broken exports map or an ESM/CommonJS trap (ndarray is
// CommonJS) fails the test command.
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

const require = createRequire(new URL('../packages/core/package.json', import.meta.url));
const entry = require.resolve('@chainrule/core');
const core = await import(entry);
const { tensor, gradcheck, randn } = core;

const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
x.mul(x).sum().backward();
assert.deepEqual(x.grad.toArray(), [[2, 4], [6, 8]]);
assert.deepEqual(x.transpose().toArray(), [[1, 3], [2, 4]]);
// the ndarray interop: ndarray is CommonJS, imported from ESM here (scripts/smoke-no-codegen.mjs
// checks the same functions where code generation is refused)
assert.equal(core.toNdarray(x).get(1, 0), 3);
assert.deepEqual(core.fromNdarray(x.transpose().nd.transpose(1, 0)).toArray(), [[1, 2], [3, 4]]);
// log-probability of the first class: its gradient is far from zero, so a wrong backward would show
const logProb = (a) => a.matmul(a.transpose()).logSoftmax().slice(1, 0, 1).sum();
const report = gradcheck(logProb, [randn([3, 3], { seed: 1 })]);
assert.ok(report.ok && Math.abs(report.worst.numeric) > 1e-3, JSON.stringify(report));
console.log(`built @chainrule/core works under plain node (${entry})`);
