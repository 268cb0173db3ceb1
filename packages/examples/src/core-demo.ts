/**
 * A first look at @chainrule/core: the article's 2-2-2 network written with core ops, one forward
 * pass and one backward pass, printing the values and gradients the article derives by hand.
 * Run with `pnpm demo`.
 * @module
 */
import { tensor, type Tensor } from '@chainrule/core';

const x = tensor([[0.05, 0.1]]);
const target = tensor([[0.01, 0.99]]);
const hiddenWeights = tensor([[0.15, 0.2], [0.25, 0.3]], { requiresGrad: true, name: 'w1..w4' });
const outputWeights = tensor([[0.4, 0.45], [0.5, 0.55]], { requiresGrad: true, name: 'w5..w8' });

const outH: Tensor = x.matmul(hiddenWeights.transpose()).add(0.35).sigmoid().named('out_h');
const outO: Tensor = outH.matmul(outputWeights.transpose()).add(0.6).sigmoid().named('out_o');
const error = target.sub(outO).square().mul(0.5).sum().named('E_total');
error.backward();

const fmt = (t: Tensor) => Array.from(t.buffer, (v) => v.toFixed(9)).join('  ');
console.log('chainrule core: the article\'s 2-2-2 network, one forward and one backward pass\n');
console.log(`out_h1 out_h2      ${fmt(outH)}`);
console.log(`out_o1 out_o2      ${fmt(outO)}`);
console.log(`E_total            ${error.item().toFixed(9)}`);
console.log(`dE/dw1..dE/dw4     ${fmt(hiddenWeights.grad!)}`);
console.log(`dE/dw5..dE/dw8     ${fmt(outputWeights.grad!)}`);
console.log(`\n${error.toString()}`);
