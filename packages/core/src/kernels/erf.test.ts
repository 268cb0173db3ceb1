import { describe, expect, it } from 'vitest';
import { erfScalar, erfcScalar } from './erf.js';

/** How many doubles apart a and b are (0 when equal; same-sign finite numbers). */
function ulpsApart(a: number, b: number): number {
  const bits = new BigInt64Array(new Float64Array([a, b]).buffer);
  const d = bits[0] - bits[1];
  return Number(d < 0n ? -d : d);
}

// x and erf(x) to 21 digits, computed with mpmath at 40 digits (Number() rounds them correctly)
const ERF: readonly [number, number][] = [
  [1e-300, 1.12837916709551260217e-300],
  [1e-10, 1.128379167095512615e-10],
  [0.1, 1.12462916018284898405e-1],
  [0.25, 2.76326390168236932985e-1],
  [0.5, 5.20499877813046537683e-1],
  [0.75, 7.11155633653515131599e-1],
  [0.9174879789352417, 8.05549027642817994082e-1], // the largest error found in a sweep of 40,000 points: 1.0002 ulp
  [1, 8.42700792949714869341e-1],
  [1.25, 9.22900128256458230137e-1],
  [1.5, 9.66105146475310727067e-1],
  [1.75, 9.86671671219182443772e-1],
  [2, 9.95322265018952734162e-1],
  [2.5, 9.9959304798255504106e-1],
  [3, 9.99977909503001414559e-1],
  [4, 9.9999998458274209972e-1],
  [5, 9.99999999998462540206e-1],
  [5.9, 9.99999999999999928096e-1],
  [-0.5, -5.20499877813046537683e-1],
  [-3, -9.99977909503001414559e-1],
];

// x and erfc(x), the same way
const ERFC: readonly [number, number][] = [
  [0.5, 4.79500122186953462317e-1],
  [0.75, 2.88844366346484868401e-1],
  [1, 1.57299207050285130659e-1],
  [2, 4.67773498104726583793e-3],
  [3, 2.20904969985854413728e-5],
  [4, 1.54172579002800188522e-8],
  [6, 2.15197367124989131166e-17],
  [8, 1.122429717298292708e-29],
  [10, 2.088487583762544757e-45],
  [16.883597564697265, 5.30898696925583098495e-126], // the largest error of the sweep: 2.7 ulps
  [26, 5.66319240885614284648e-296],
  [-0.25, 1.27632639016823693299],
  [-1, 1.84270079294971486934],
  [-5, 1.99999999999846254021],
];

describe('erf', () => {
  it('is within 1 ulp of high-precision values', () => {
    for (const [x, want] of ERF) expect(ulpsApart(erfScalar(x), want), `erf(${x})`).toBeLessThanOrEqual(1);
  });

  it('at the edges: ±0, ±1 from |x| = 6 on, ±Infinity, NaN', () => {
    expect(Object.is(erfScalar(0), 0)).toBe(true);
    expect(Object.is(erfScalar(-0), -0)).toBe(true);
    expect(erfScalar(6)).toBe(1);
    expect(erfScalar(-1e300)).toBe(-1);
    expect(erfScalar(Infinity)).toBe(1);
    expect(erfScalar(-Infinity)).toBe(-1);
    expect(erfScalar(NaN)).toBeNaN();
    expect(erfScalar(5e-324)).toBe(5e-324); // 2/√π · 5e-324 rounds to the smallest subnormal
  });

  it('is odd and non-decreasing across the ends of its pieces (1, 2, 6)', () => {
    for (const b of [1, 2, 6]) {
      const xs = Array.from({ length: 21 }, (_, k) => b + (k - 10) * 2 ** -50);
      const ys = xs.map(erfScalar);
      for (let k = 1; k < ys.length; k++) expect(ys[k]).toBeGreaterThanOrEqual(ys[k - 1]);
      for (const x of xs) expect(erfScalar(-x)).toBe(-erfScalar(x));
    }
  });
});

describe('erfc', () => {
  it('is within 3 ulps of high-precision values, deep into the tail', () => {
    for (const [x, want] of ERFC) expect(ulpsApart(erfcScalar(x), want), `erfc(${x})`).toBeLessThanOrEqual(3);
  });

  it('at the edges: 1 at 0, 0 from 27.3 on (below the smallest double), 2 at -Infinity, NaN', () => {
    expect(erfcScalar(0)).toBe(1);
    expect(erfcScalar(27.3)).toBe(0);
    expect(erfcScalar(Infinity)).toBe(0);
    expect(erfcScalar(-Infinity)).toBe(2);
    expect(erfcScalar(NaN)).toBeNaN();
  });

  it('keeps the tail that 1 - erf(x) loses: erfc(10) is 2.1e-45, 1 - erf(10) is 0', () => {
    expect(1 - erfScalar(10)).toBe(0);
    expect(erfcScalar(10)).toBeGreaterThan(2e-45);
  });

  it('is non-increasing across the ends of its pieces (0.5, 1, 2, 4, 6)', () => {
    for (const b of [0.5, 1, 2, 4, 6]) {
      const ys = Array.from({ length: 21 }, (_, k) => erfcScalar(b + (k - 10) * 2 ** -50));
      for (let k = 1; k < ys.length; k++) expect(ys[k]).toBeLessThanOrEqual(ys[k - 1]);
    }
  });
});
