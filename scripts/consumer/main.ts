/**
 * A project outside the workspace that installed the packed tarballs of @chainrule/core and
 * @chainrule/nn: scripts/pack-consumer.mjs copies this file into a fresh temporary project, compiles it
 * with strict tsc, noUncheckedIndexedAccess and exactOptionalPropertyTypes (and skipLibCheck off, so
 * the packages' own .d.ts files are checked too), and runs it with node. Not compiled in the workspace.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineOp, gradcheck, noGrad, RandomGenerator, randn, tensor, toNdarray, type Tensor } from '@chainrule/core';
import { Adam, Dense, MSELoss, mseLoss, SGD, Sequential, Sigmoid } from '@chainrule/nn';
import { load, save } from '@chainrule/nn/node';

// The article's network: the first step's figures.
const shared = { bias: 'shared', freezeBias: true } as const;
const makeNet = () =>
  new Sequential(
    new Dense(2, 2, { weight: [[0.15, 0.2], [0.25, 0.3]], biasValue: 0.35, ...shared }),
    new Sigmoid(),
    new Dense(2, 2, { weight: [[0.4, 0.45], [0.5, 0.55]], biasValue: 0.6, ...shared }),
    new Sigmoid(),
  );
const net = makeNet();
const x = tensor([0.05, 0.1]);
const target = tensor([0.01, 0.99]);
const loss = new MSELoss({ reduction: 'halfSum' }).forward(net.forward(x), target);
loss.backward();
assert.equal(loss.item().toFixed(9), '0.298371109');
const w5grad = net.parameters()[2]?.grad?.buffer[0];
assert.equal(w5grad?.toFixed(9), '0.082167041');
new SGD(net.parameters(), { lr: 0.5 }).step();

// A fit with Adam, then save and load through @chainrule/nn/node.
const inputs = randn([64, 2], { seed: 3 });
const outputs = inputs.matmul(tensor([[2], [-3]])).add(1);
const model = new Dense(2, 1, { seed: 4 });
const adam = new Adam(model.parameters(), { lr: 0.05 });
for (let step = 0; step < 300; step++) {
  adam.zeroGrad();
  mseLoss(model.forward(inputs), outputs).backward();
  adam.step();
}
const fitted = Array.from(model.weight.buffer);
assert.ok(Math.abs((fitted[0] ?? NaN) - 2) < 1e-2 && Math.abs((fitted[1] ?? NaN) + 3) < 1e-2, `fitted weight ${fitted}`);
const dir = mkdtempSync(join(tmpdir(), 'chainrule-consumer-'));
try {
  save(model, join(dir, 'model.json'));
  const copy = new Dense(2, 1, { seed: 99 });
  load(copy, join(dir, 'model.json'));
  assert.equal(noGrad(() => copy.forward(inputs).sub(model.forward(inputs)).abs().max().item()), 0);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// A custom op with its derivative, checked against central differences.
const cube = defineOp({
  name: 'cube',
  inputs: ['x'],
  forward(ctx, a) {
    ctx.save(a);
    return a.mul(a).mul(a);
  },
  // d(x³) = 3x² dx
  backward: { x: (ctx, grad) => grad.mul(ctx.saved[0].square().mul(3)) },
});
assert.ok(gradcheck((a: Tensor) => cube(a).sum(), [randn([3, 2], { seed: 5 })]).ok);

// The ndarray interop is typed through @types/ndarray, a dependency of core (TS7016 otherwise).
const view = toNdarray(tensor([[1, 2], [3, 4]]));
const third: number = view.get(1, 0);
assert.equal(third, 3);

// core's seeded generator is RandomGenerator, so TypeScript's global Generator<T> stays usable here.
function* seeds(first: number): Generator<number> {
  for (let s = first; ; s++) yield s;
}
const [seed] = seeds(7);
const drawn = new Dense(3, 2, { generator: new RandomGenerator(seed ?? 0) }).weight.buffer;
assert.deepEqual(Array.from(drawn), Array.from(new Dense(3, 2, { seed: 7 }).weight.buffer));

console.log('consumer of the packed @chainrule/core and @chainrule/nn: compiled strictly and ran');
