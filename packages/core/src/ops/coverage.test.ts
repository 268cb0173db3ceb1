/**
 * The op table's completeness, checked at run time: every differentiable op exported by ops/index.ts
 * has a case in test-utils/op-cases.ts, and each case passes gradcheck and gradgradcheck. A new op without a case fails
 * the first test, naming it. (The Tensor methods are checked by the compiler, in tensor.ts.)
 */
import { describe, expect, it } from 'vitest';
import * as ops from './index.js';
import type { Op } from '../op.js';
import { gradcheck, gradgradcheck } from '../autograd/gradcheck.js';
import { GC } from '../test-utils/index.js';
import { OP_CASES } from '../test-utils/op-cases.js';

/** The differentiable ops exported by ops/index.ts: functions made by defineOp, with gradient rules. */
function differentiableOps(): string[] {
  return Object.entries(ops)
    .filter(([, v]) => typeof v === 'function' && (v as { op?: Op }).op?.differentiable === true)
    .map(([name]) => name)
    .filter((name) => name !== 'broadcastTo'); // the same op as expand
}

describe('the op table', () => {
  it('every differentiable op has a gradcheck case here', () => {
    const missing = differentiableOps().filter((name) => !(name in OP_CASES));
    expect(missing, `ops without a case in test-utils/op-cases.ts: ${missing.join(', ')}`).toEqual([]);
  });

  for (const [name, c] of Object.entries(OP_CASES)) {
    it(`${name}: gradcheck${c.secondOrder === false ? '' : ' and gradgradcheck'}`, () => {
      expect(gradcheck(c.f, c.inputs(), GC).ok).toBe(true);
      if (c.secondOrder !== false) expect(gradgradcheck(c.f, c.inputs(), GC).ok).toBe(true);
    });
  }
});
