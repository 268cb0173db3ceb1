import { describe, expect, it } from 'vitest';
import { AnomalyError, ChainruleError } from '../errors.js';
import { isGradEnabled } from '../grad-mode.js';
import { tensor } from '../tensor.js';
import { expectThrows } from '../test-utils/index.js';
import { detectAnomaly, isAnomalyEnabled } from './anomaly.js';

describe('detectAnomaly', () => {
  it('is on during the call only, and reports a NaN naming the op', () => {
    expect(isAnomalyEnabled()).toBe(false);
    expect(detectAnomaly(() => isAnomalyEnabled())).toBe(true);
    expect(() => detectAnomaly(() => tensor([-1]).log())).toThrow(AnomalyError);
    expect(() => detectAnomaly(() => tensor([-1]).log())).toThrow(/^log produced NaN at flat index 0 of a result of shape \[1\]; the log op was created at\n/);
    expect(isAnomalyEnabled()).toBe(false);
  });

  it('refuses an async function before running any of it, naming itself (it once blamed enableGrad)', () => {
    let ran = false;
    const f = async () => {
      ran = true;
      return tensor(1);
    };
    expectThrows(
      () => detectAnomaly(f),
      ChainruleError,
      'detectAnomaly: refusing an async function; anomaly detection on is a synchronous setting and cannot follow an await. ' +
        'Call detectAnomaly(() => ...) around the synchronous tensor code inside your async function instead.',
    );
    expect(ran).toBe(false);
    expect(isAnomalyEnabled()).toBe(false);
    expect(isGradEnabled()).toBe(true);
  });

  it('refuses a generator function, and a function that returns a generator: their bodies run after it ends', () => {
    let ran = false;
    function* gen() {
      ran = true;
      yield tensor([-1]).log();
    }
    const after = 'its body runs later, at each next(), after anomaly detection on has been undone. Call detectAnomaly(() => ...) around the tensor code inside the generator instead.';
    expectThrows(() => detectAnomaly(gen as never), ChainruleError, `detectAnomaly: refusing a generator function; ${after}`);
    expectThrows(() => detectAnomaly(() => gen()), ChainruleError, `detectAnomaly: the function returned a generator; ${after}`);
    expect(ran).toBe(false);
    expect(isAnomalyEnabled()).toBe(false);
  });

  it('refuses a function that returns a promise, and is off again afterwards', () => {
    expectThrows(
      () => detectAnomaly(() => Promise.resolve(1)),
      ChainruleError,
      'detectAnomaly: the function returned a Promise; only its synchronous part ran with anomaly detection on. ' +
        'Call detectAnomaly(() => ...) around the synchronous tensor code inside your async function instead.',
    );
    expect(isAnomalyEnabled()).toBe(false);
  });
});
