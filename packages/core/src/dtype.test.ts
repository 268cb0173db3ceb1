import { describe, expect, it } from 'vitest';
import { DTypeError, ShapeError } from './errors.js';
import { DEFAULT_DTYPE, allocBuffer, checkDType, dtypeOf, getMaxElements, setMaxElements } from './dtype.js';
import { arange, eye, full, linspace, ones, onesLike, rand, randn, zeros } from './create.js';
import { tensor, type Tensor } from './tensor.js';
import { concat, stack } from './ops/index.js';
import { expectError, expectThrows } from './test-utils/index.js';

describe('dtype', () => {
  it('float64 is the default', () => {
    expect(DEFAULT_DTYPE).toBe('float64');
  });

  it('allocBuffer gives a zero-filled typed array of the dtype; dtypeOf reads it back', () => {
    const a = allocBuffer('float64', 3);
    const b = allocBuffer('float32', 2);
    expect(a).toBeInstanceOf(Float64Array);
    expect(b).toBeInstanceOf(Float32Array);
    expect(Array.from(a)).toEqual([0, 0, 0]);
    expect(dtypeOf(a)).toBe('float64');
    expect(dtypeOf(b)).toBe('float32');
  });

  it('checkDType accepts the two names and refuses others, naming where', () => {
    expect(checkDType('float32', 'x')).toBe('float32');
    expect(checkDType('float64', 'x')).toBe('float64');
    expectError(() => checkDType('int32', 'tensor'), DTypeError, ['tensor:', '"int32"', "'float64' or 'float32'"]);
    expectError(() => checkDType(undefined, 'cast'), DTypeError, ['cast:', 'undefined']);
  });
});

describe('the element limit: every allocation is checked before it is made', () => {
  const limitMessage = (head: string, limit = 268435456) =>
    `${head}, more than the limit of ${limit} elements per tensor; check the shape, or raise the limit with setMaxElements(n) if you mean it`;

  /** Asserts the exact refusal, and that no buffer of the refused size was allocated on the way. */
  function refusedBeforeAllocating(fn: () => unknown, message: string): void {
    const before = process.memoryUsage().arrayBuffers;
    expectThrows(fn, ShapeError, message);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
  }

  it('mistyped sizes in the factories name the factory, the shape and the limit', () => {
    refusedBeforeAllocating(() => zeros([1e6, 1e6]), limitMessage('zeros: shape [1000000,1000000] has 1000000000000 elements'));
    refusedBeforeAllocating(() => arange(1e12), limitMessage('arange: shape [1000000000000] has 1000000000000 elements'));
    refusedBeforeAllocating(() => eye(1e6), limitMessage('eye: shape [1000000,1000000] has 1000000000000 elements'));
    // these two used to allocate 32 GiB and 8 GiB
    refusedBeforeAllocating(() => zeros([2 ** 32]), limitMessage('zeros: shape [4294967296] has 4294967296 elements'));
    refusedBeforeAllocating(() => ones([2 ** 30]), limitMessage('ones: shape [1073741824] has 1073741824 elements'));
  });

  it('broadcast, matmul and expand to 10^10 elements name the op and the input shapes', () => {
    const inputs = '(inputs of shapes [100000,1] and [1,100000])';
    refusedBeforeAllocating(() => zeros([1e5, 1]).add(zeros([1, 1e5])), limitMessage(`add: the result would have 10000000000 elements ${inputs}`));
    refusedBeforeAllocating(() => zeros([1e5, 1]).matmul(zeros([1, 1e5])), limitMessage(`matmul: the result would have 10000000000 elements ${inputs}`));
    refusedBeforeAllocating(() => zeros([1e5, 1]).expand([1e5, 1e5]), limitMessage('expand: shape [100000,100000] has 10000000000 elements'));
    refusedBeforeAllocating(() => zeros([1e5, 1], { requiresGrad: true }).expand([1e5, 1e5]), limitMessage('expand: shape [100000,100000] has 10000000000 elements'));
  });

  it('setMaxElements sets the limit and returns the previous one; getMaxElements reads it', () => {
    expect(getMaxElements()).toBe(2 ** 28);
    const previous = setMaxElements(16);
    try {
      expect(previous).toBe(2 ** 28);
      expect(getMaxElements()).toBe(16);
      expect(zeros([16]).size).toBe(16);
      expectThrows(() => zeros([17]), ShapeError, limitMessage('zeros: shape [17] has 17 elements', 16));
      expect(setMaxElements(32)).toBe(16);
      expect(zeros([17]).size).toBe(17);
    } finally {
      expect(setMaxElements(previous)).toBe(32);
    }
    expect(getMaxElements()).toBe(2 ** 28);
  });

  it('setMaxElements refuses what is not an integer from 1 to 2^32, and keeps the limit', () => {
    for (const n of [0, -1, 1.5, NaN, 2 ** 32 + 1, '16' as never]) {
      expectThrows(() => setMaxElements(n), RangeError, `setMaxElements: expected an integer from 1 to 2^32, got ${String(n)}`);
    }
    expect(getMaxElements()).toBe(2 ** 28);
  });

  it('every path that makes elements checks the limit first, naming itself (limit lowered to 16)', () => {
    // made before the limit is lowered: 5 elements each, and one of 25
    const v = arange(5);
    const col = v.reshape([5, 1]);
    const row = v.reshape([1, 5]);
    const big = arange(25).reshape([5, 5]);
    const index = zeros([5, 5]);
    const w = ones([25], { requiresGrad: true });
    const cases: [string, () => Tensor][] = [
      ['zeros', () => zeros([5, 5])], ['ones', () => ones([25])], ['full', () => full([25], 1)], ['arange', () => arange(25)],
      ['linspace', () => linspace(0, 1, 25)], ['eye', () => eye(5)], ['rand', () => rand([25], { seed: 1 })], ['randn', () => randn([25], { seed: 1 })],
      ['ones', () => onesLike(big)], ['tensor', () => tensor(new Array<number>(25).fill(0))], ['tensor', () => tensor(new Float64Array(25))],
      ['add', () => col.add(row)], ['mul', () => col.mul(row)], ['pow', () => col.pow(row)], ['maximum', () => col.maximum(row)],
      ['gt', () => col.gt(row)], ['where', () => col.where(col.gt(0), row)], ['matmul', () => col.matmul(row)], ['expand', () => col.expand([5, 5])],
      ['concat', () => concat([v, v, v, v, v])], ['concat', () => stack([v, v, v, v, v])], ['exp', () => big.exp()], ['permute', () => big.transpose()],
      ['cast', () => big.cast('float32')], ['gather', () => row.gather(0, index)],
      // backward allocates too: sum's gradient is expanded back to w's 25 elements
      ['expand', () => (w.sum().backward(), w)],
    ];
    const previous = setMaxElements(16);
    try {
      for (const [op, make] of cases) {
        expectThrows(make, ShapeError, new RegExp(`^${op}: (shape \\[[\\d,]+\\] has|the result would have) 2[05] elements( \\(inputs of shapes [\\[\\]\\d, and]+\\))?, more than the limit of 16 elements per tensor; `));
      }
    } finally {
      setMaxElements(previous);
    }
  });
});
