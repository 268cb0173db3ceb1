// Every differentiable op (the gradcheck table of test-utils/op-cases.ts) in a compiled step:
// forward, backward, and the gradients of its inputs, on new values at each call. Each replay must
// give the eager run's bits; an op whose step cannot be replayed must say why and be listed here.
import { describe, expect, it } from 'vitest';
import { Tensor } from '../tensor.js';
import { noGrad } from '../grad-mode.js';
import { compile } from './compile.js';
import { OP_CASES } from '../test-utils/op-cases.js';

const bits = (b: Float64Array | Float32Array) => Array.from(new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));

/**
 * The case's inputs for call `k`: each scaled by 1 + k/64 (signs, order, kinks and positivity kept),
 * except whole-number inputs (indices, counts), which stay as they are.
 */
function inputsFor(make: () => Tensor[], k: number): Tensor[] {
  return make().map((t) => {
    const whole = t.buffer.every((v) => Number.isInteger(v));
    return whole ? t : new Tensor(t.buffer.map((v) => v * (1 + k / 64)), t.shape);
  });
}

/** Ops whose compiled step runs eagerly, with the reason it must give (none so far). */
const EAGER: Record<string, RegExp> = {};

describe('every op in a compiled step', () => {
  for (const [name, c] of Object.entries(OP_CASES)) {
    it(`${name}: replays bit-identical to eager, forward and gradients`, () => {
      const first = c.inputs();
      // leaves that require grad, filled with each call's values; the data comes in as arguments
      const leaves = first.map((t) => new Tensor(t.buffer.slice(), t.shape).requiresGrad_(!t.buffer.every((v) => Number.isInteger(v)) || t.size === 0));
      const run = (...data: Tensor[]) => {
        noGrad(() => leaves.forEach((leaf, i) => leaf.copy_(data[i])));
        for (const leaf of leaves) leaf.grad = null;
        const y = c.f(...leaves);
        y.sum().backward();
        return [y, ...leaves.flatMap((leaf) => (leaf.grad === null ? [] : [leaf.grad]))];
      };
      const compiled = compile(run);
      for (let k = 0; k < 3; k++) {
        const data = inputsFor(c.inputs, k);
        const got = compiled(...data).map((t) => bits(t.buffer));
        const want = run(...data).map((t) => bits(t.buffer));
        expect(got, `call ${k}`).toEqual(want);
      }
      if (name in EAGER) expect(compiled.eagerReason).toMatch(EAGER[name]);
      else {
        expect(compiled.eagerReason).toBeNull();
        expect(compiled.lastRun).toBe('replay');
      }
    });
  }
});
