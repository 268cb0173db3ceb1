// The runnable examples, pinned: XOR converges under a fixed seed; the MLP check finds autodiff,
// hand-written backprop and finite differences in agreement (and catches a planted error); the
// custom op and layer pass gradcheck; the consumer fits a known line; the compiled article step
// matches the eager one bit for bit.
import { describe, expect, it } from 'vitest';
import { tensor } from '@chainrule/core';
import { plotCurve, trainXor } from './xor.js';
import { trainBoth } from './compiled-step.js';
import { checkMlp, compare, grade, manualGradients } from './mlp-check.js';
import { GatedDense, gatedDense, softplus, verify } from './custom-layer.js';
import { run as runConsumer } from './consumer.js';

describe('compiled-step: the article network eager and compiled', () => {
  it('reaches the same loss bit for bit, replaying a plan of the article network’s 21 steps', () => {
    const r = trainBoth(2000);
    expect(r.compiledLoss).toBe(r.eagerLoss);
    expect(r.lastRun).toBe('replay');
    expect(r.plan).toHaveLength(21);
    expect(r.plan[0]).toBe('SGD.zeroGrad (side effect)');
    expect(r.plan.at(-1)).toBe('SGD.step (side effect)');
  });
});

describe('xor (2-5-1, seeded)', () => {
  const r = trainXor({ steps: 20000, seed: 1 });
  it('converges: total error from ~0.5 to below 0.005, every sample on the right side', () => {
    expect(r.curve[0].error).toBeGreaterThan(0.4);
    expect(r.curve[r.curve.length - 1].error).toBeLessThan(0.005);
    expect(r.predictions.map((p) => (p > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);
    [0, 3].forEach((k) => expect(r.predictions[k]).toBeLessThan(0.1));
    [1, 2].forEach((k) => expect(r.predictions[k]).toBeGreaterThan(0.9));
  });
  it('is deterministic under a seed', () => {
    const again = trainXor({ steps: 2000, seed: 1 });
    const first = trainXor({ steps: 2000, seed: 1 });
    expect(again.predictions).toEqual(first.predictions);
    expect(again.curve).toEqual(first.curve);
  });
  it('plots the curve as text', () => {
    const text = plotCurve(r.curve, 40, 8);
    expect(text.split('\n')).toHaveLength(10);
    expect(text).toContain('•');
  });
});

describe('mlp-check: autodiff vs hand-written backprop vs finite differences', () => {
  it('agrees for several sizes', () => {
    for (const sizes of [[2, 5, 1], [3, 4, 2], [4, 8, 8, 3], [1, 1]]) {
      const reports = checkMlp(sizes);
      expect(reports).toHaveLength(2 * (sizes.length - 1));
      for (const r of reports) {
        expect(r.vsManual.maxRel, `${sizes} ${r.name}`).toBeLessThan(1e-12);
        expect(r.vsManual.grade).toBe('good');
        expect(r.vsFinite.maxAbs, `${sizes} ${r.name}`).toBeLessThan(1e-8);
        expect(r.vsFinite.grade).not.toBe('wrong');
      }
    }
  });
  it('hand backprop on a one-unit net matches the closed form', () => {
    // y = σ(w x + b), E = ½(y − t)²: dE/dw = (y − t) y (1 − y) x
    const [w, b, x, t] = [0.3, -0.2, 1.5, 0.25];
    const y = 1 / (1 + Math.exp(-(w * x + b)));
    const { gW, gB } = manualGradients([Float64Array.of(w)], [Float64Array.of(b)], [1, 1], Float64Array.of(x), Float64Array.of(t), 1);
    expect(gW[0][0]).toBeAllClose((y - t) * y * (1 - y) * x, { rtol: 1e-15 });
    expect(gB[0][0]).toBeAllClose((y - t) * y * (1 - y), { rtol: 1e-15 });
  });
  it('grades with the usual bands and flags a wrong gradient', () => {
    expect([grade(1e-9), grade(1e-4), grade(0.5)]).toEqual(['good', 'check', 'wrong']);
    const c = compare([1, 2, 3], [1, 2, 3.3]);
    expect(c.maxAbs).toBeAllClose(0.3, { rtol: 1e-12 });
    expect(grade(c.maxRel)).toBe('wrong');
    expect(() => checkMlp([2])).toThrow(/two or more/);
  });
});

describe('custom op and custom layer', () => {
  it('softplus: values, stability, and gradcheck to second order', () => {
    expect(softplus(tensor([0, 1000, -1000, 2]))).toBeAllClose([Math.log(2), 1000, 0, Math.log(1 + Math.exp(2))], { rtol: 1e-15, atol: 1e-300 });
    const { op, opSecond, layerCheck } = verify();
    expect(op.ok && opSecond.ok && layerCheck.ok).toBe(true);
    expect(op.maxAbsError).toBeLessThan(1e-8);
    expect(layerCheck.checked).toBe(4 * 2 * (12 + 6 + 2 + 6));
  });
  it('GatedDense: parameters found by Module, backward fills them with the gradients of its formula', () => {
    const layer = new GatedDense(3, 2, { seed: 5 });
    expect(layer.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias', 'gate']);
    const x = tensor([[0.5, -1, 2]]);
    layer.forward(x).sum().backward();
    // closed form for one sample: y_j = sp(z_j) σ(g_j), z = W x + b, g = G x; dy_j/db_j = σ(z_j) σ(g_j)
    const W = layer.weight.buffer, b = layer.bias.buffer, G = layer.gate.buffer;
    const s = (v: number) => 1 / (1 + Math.exp(-v));
    for (let j = 0; j < 2; j++) {
      const z = 0.5 * W[3 * j] - W[3 * j + 1] + 2 * W[3 * j + 2] + b[j];
      const g = 0.5 * G[3 * j] - G[3 * j + 1] + 2 * G[3 * j + 2];
      expect(layer.bias.grad!.buffer[j]).toBeAllClose(s(z) * s(g), { rtol: 1e-14 });
    }
    expect(layer.forward(x)).toBeAllClose(gatedDense(x, layer.weight, layer.bias, layer.gate), { rtol: 0, atol: 0 });
  });
});

describe('consumer', () => {
  it('fits y = 2x0 − 3x1 + 1 and round-trips the state dict', () => {
    const r = runConsumer();
    expect(r.weight).toBeAllClose([2, -3], { atol: 1e-6, rtol: 0 });
    expect(r.bias).toBeAllClose(1, { atol: 1e-6, rtol: 0 });
    expect(r.loss).toBeLessThan(1e-10);
    expect(r.restoredMatches).toBe(true);
  });
});
