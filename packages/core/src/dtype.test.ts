import { describe, expect, it } from 'vitest';
import { DTypeError } from './errors.js';
import { DEFAULT_DTYPE, allocBuffer, checkDType, dtypeOf } from './dtype.js';
import { expectError } from './test-utils/index.js';

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
