// Heap kept per recorded op: a chain of 100,000 elementwise ops on a 2×2 float64 tensor that requires
// grad (W4's ops: alternately + 0.5 and × 0.999), kept alive, heap after gc before and after.
//   pnpm run build && node --expose-gc scripts/bytes-per-op.mjs
import { tensor } from '../packages/core/dist/index.js';

if (typeof globalThis.gc !== 'function') throw new Error('bytes-per-op.mjs: run with node --expose-gc');
const OPS = 100_000;
const add = tensor(0.5);
const mul = tensor(0.999);
const chain = (count) => {
  let y = tensor([[0.1, 0.2], [0.3, 0.4]], { requiresGrad: true });
  for (let i = 0; i < count; i++) y = i & 1 ? y.mul(mul) : y.add(add);
  return y;
};
const settled = () => {
  for (let i = 0; i < 3; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
};
for (let i = 0; i < 2; i++) chain(20_000).sum().backward(); // V8 has compiled the path; its code is not counted
const before = settled();
const kept = chain(OPS);
const after = settled();
console.log(`${((after - before) / OPS).toFixed(0)} bytes of heap kept per recorded op (${OPS.toLocaleString('en-US')} ops on a 2×2 float64 tensor; the result has shape [${kept.shape}])`);
