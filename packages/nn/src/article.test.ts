// The article's 2-2-2 sigmoid network (../../../shared/seed) built from nn's pieces: Dense layers with
// the article's weights and one shared, never-trained bias per layer, E = Σ ½ (target − out)², and
// plain gradient descent with η = 0.5. Expected values are the article's printed figures, and an
// independent plain-number implementation of the same training written out below.
import { describe, expect, it } from 'vitest';
import { tensor } from '@chainrule/core';
import { Sigmoid } from './activations.js';
import { Dense } from './linear.js';
import { MSELoss } from './losses.js';
import { SGD } from './optim/sgd.js';
import { Sequential } from './sequential.js';

const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;
const x = tensor([0.05, 0.1]);
const target = tensor([0.01, 0.99]);

function articleNet() {
  const hidden = new Dense(2, 2, { weight: [[0.15, 0.2], [0.25, 0.3]], bias: 'shared', biasValue: 0.35, freezeBias: true });
  const output = new Dense(2, 2, { weight: [[0.4, 0.45], [0.5, 0.55]], bias: 'shared', biasValue: 0.6, freezeBias: true });
  return { net: new Sequential(hidden, new Sigmoid(), output, new Sigmoid()), hidden, output };
}

/** The same training with plain numbers, by the chain rule as the article writes it. */
function handTraining(steps: number) {
  const s = (v: number) => 1 / (1 + Math.exp(-v));
  let [w1, w2, w3, w4, w5, w6, w7, w8] = [0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55];
  const [i1, i2, t1, t2, b1, b2, lr] = [0.05, 0.1, 0.01, 0.99, 0.35, 0.6, 0.5];
  const forward = () => {
    const h1 = s(w1 * i1 + w2 * i2 + b1), h2 = s(w3 * i1 + w4 * i2 + b1);
    const o1 = s(w5 * h1 + w6 * h2 + b2), o2 = s(w7 * h1 + w8 * h2 + b2);
    return { h1, h2, o1, o2, E: 0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2 };
  };
  for (let k = 0; k < steps; k++) {
    const { h1, h2, o1, o2 } = forward();
    const d1 = (o1 - t1) * o1 * (1 - o1), d2 = (o2 - t2) * o2 * (1 - o2);
    const dh1 = (d1 * w5 + d2 * w7) * h1 * (1 - h1), dh2 = (d1 * w6 + d2 * w8) * h2 * (1 - h2);
    [w5, w6, w7, w8] = [w5 - lr * d1 * h1, w6 - lr * d1 * h2, w7 - lr * d2 * h1, w8 - lr * d2 * h2];
    [w1, w2, w3, w4] = [w1 - lr * dh1 * i1, w2 - lr * dh1 * i2, w3 - lr * dh2 * i1, w4 - lr * dh2 * i2];
  }
  return { weights: [w1, w2, w3, w4, w5, w6, w7, w8], ...forward() };
}

function train(steps: number) {
  const parts = articleNet();
  const loss = new MSELoss({ reduction: 'halfSum' });
  const opt = new SGD(parts.net.parameters(), { lr: 0.5 });
  for (let k = 0; k < steps; k++) {
    opt.zeroGrad();
    loss.forward(parts.net.forward(x), target).backward();
    opt.step();
  }
  const out = parts.net.forward(x);
  const weights = [...parts.hidden.weight.buffer, ...parts.output.weight.buffer];
  return { ...parts, out: out.toArray() as number[], E: loss.forward(out, target).item(), weights };
}

describe("the article's network with @chainrule/nn", () => {
  it('trains only the eight weights: the shared biases are frozen', () => {
    const { net } = articleNet();
    expect(net.namedParameters().map(([n, p]) => [n, p.shape, p.requiresGrad])).toEqual([
      ['0.weight', [2, 2], true],
      ['0.bias', [], false],
      ['2.weight', [2, 2], true],
      ['2.bias', [], false],
    ]);
  });

  it('one step of gradient descent gives w1+..w8+ as printed', () => {
    const { weights, hidden, output } = train(1);
    const printed = [0.149780716, 0.19956143, 0.24975114, 0.29950229, 0.35891648, 0.408666186, 0.51130127, 0.561370121];
    const digits = [9, 8, 8, 8, 8, 9, 9, 9];
    weights.forEach((w, k) => expect(round(w, digits[k])).toBe(printed[k]));
    expect(hidden.bias!.item()).toBe(0.35);
    expect(output.bias!.item()).toBe(0.6);
    expect(weights).toBeAllClose(handTraining(1).weights, { rtol: 4e-16, atol: 0 });
  });

  it('E after one step is 0.291027774 by plain gradient descent (the article prints 0.291027924)', () => {
    const { E } = train(1);
    expect(round(E, 9)).toBe(0.291027774);
    expect(E).toBeAllClose(handTraining(1).E, { rtol: 1e-15, atol: 0 });
  });

  it('10,000 steps agree with the plain-number training', () => {
    const nn = train(10000), hand = handTraining(10000);
    // The gradients are the same products grouped differently (matmul and the engine vs the
    // written-out chain rule), so the runs may differ by an ulp here and there; measured: at most
    // 3.2e-15 relative on a weight along the way, 4.4e-16 after 10,000 steps.
    expect(nn.weights).toBeAllClose(hand.weights, { rtol: 1e-14, atol: 0 });
    expect(nn.out).toBeAllClose([hand.o1, hand.o2], { rtol: 1e-14, atol: 0 });
    expect(nn.E).toBeAllClose(hand.E, { rtol: 1e-14, atol: 0 });
    // with the biases frozen, as the article says, plain descent ends at E = 0.0000351019 and
    // outputs [0.0159136, 0.9840643]; the article prints 0.000035085 and [0.015912196, 0.984065734]
    expect(round(nn.E, 10)).toBe(0.0000351019);
    expect(nn.out.map((v) => round(v, 7))).toEqual([0.0159136, 0.9840643]);
  });
});
