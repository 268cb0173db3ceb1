// zeroGrad has one meaning, PyTorch 2's, on Module and on every optimizer (they share zero-grad.ts).
import { describe, expect, it } from 'vitest';
import { tensor } from '@chainrule/core';
import { Dense } from './linear.js';
import { Adam } from './optim/adam.js';
import { SGD } from './optim/sgd.js';

describe('zeroGrad: one meaning on Module and optimizers (PyTorch 2)', () => {
  const setups: [string, (net: Dense) => { zeroGrad(o?: { setToNone?: boolean }): void }][] = [
    ['Module', (net) => net],
    ['SGD', (net) => new SGD(net.parameters(), { lr: 0.1 })],
    ['Adam', (net) => new Adam(net.parameters())],
  ];
  for (const [who, target] of setups) {
    it(`${who}: drops gradients by default; { setToNone: false } zeroes them in place`, () => {
      const net = new Dense(2, 2, { seed: 1 });
      const z = target(net);
      net.forward(tensor([1, 2])).sum().backward();
      const g = net.weight.grad!;
      z.zeroGrad({ setToNone: false });
      expect(net.weight.grad).toBe(g);
      expect(g.toArray()).toEqual([[0, 0], [0, 0]]);
      z.zeroGrad();
      expect([net.weight.grad, net.bias!.grad]).toEqual([null, null]);
    });

    it(`${who}: { setToNone: false } gives detached zeros for a gradient with a graph (createGraph), not null`, () => {
      const net = new Dense(2, 2, { seed: 1 });
      const z = target(net);
      net.forward(tensor([1, 2])).square().sum().backward({ createGraph: true });
      expect(net.weight.grad!.requiresGrad).toBe(true);
      z.zeroGrad({ setToNone: false });
      expect(net.weight.grad).not.toBeNull();
      expect(net.weight.grad!.toArray()).toEqual([[0, 0], [0, 0]]);
      expect(net.weight.grad!.requiresGrad).toBe(false);
    });

    it(`${who}: refuses options it does not know, and a non-Tensor gradient when zeroing in place`, () => {
      const net = new Dense(2, 1, { seed: 1 });
      const z = target(net);
      const where = who === 'Module' ? 'Dense.zeroGrad' : `${who}.zeroGrad`;
      expect(() => z.zeroGrad({ set_to_none: false } as never)).toThrow(`${where}: unknown option 'set_to_none'; the only option is setToNone`);
      expect(() => z.zeroGrad({ setToNone: 'no' } as never)).toThrow(`${where}: setToNone must be true or false, got "no" (a string)`);
      expect(() => z.zeroGrad(false as never)).toThrow(`${where}: options must be an object such as { setToNone: false }, got false (a boolean)`);
      net.bias!.grad = tensor([3]);
      (net.weight as { grad: unknown }).grad = [1, 1];
      const label = who === 'Module' ? "'weight'" : "params[0]";
      expect(() => z.zeroGrad({ setToNone: false })).toThrow(`${where}: ${label}: .grad must be a Tensor or null, got [1, 1] (an array); no gradient was cleared`);
      expect(net.bias!.grad!.toArray()).toEqual([3]);
    });
  }
});
