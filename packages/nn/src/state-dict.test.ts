import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tensor } from '@chainrule/core';
import { Sigmoid } from './activations.js';
import { Dense } from './linear.js';
import type { Module } from './module.js';
import { Sequential } from './sequential.js';
import { loadStateDict, stateDict, type StateDict } from './state-dict.js';

const makeNet = (seed: number) => new Sequential(new Dense(2, 3, { seed }), new Sigmoid(), new Dense(3, 1, { seed: seed + 1, bias: 'shared', biasValue: 0.6 }));

/** Every parameter's values and version, to show that a refused load changed nothing. */
const snapshot = (m: Module) => m.namedParameters().map(([n, p]) => [n, Array.from(p.buffer), p.version]);

/** The exact bits of each number (Object.is tells −0 from 0 and NaN from NaN's absence). */
const bits = (xs: ArrayLike<number>) => Array.from(new BigUint64Array(Float64Array.from(xs).buffer));

describe('stateDict', () => {
  it('maps dotted names to { shape, dtype, data } in parameter order, as a copy', () => {
    const net = makeNet(1);
    const state = net.stateDict();
    expect(Object.keys(state)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(state['2.bias']).toEqual({ shape: [], dtype: 'float64', data: [0.6] });
    expect(state['0.weight'].shape).toEqual([3, 2]);
    expect(state['0.weight'].data).toEqual(Array.from((net.layers[0] as Dense).weight.buffer));
    expect(stateDict(net)).toEqual(state);
    state['2.bias'].data[0] = 7;
    expect((net.layers[2] as Dense).bias!.item()).toBe(0.6);
  });

  it('survives JSON exactly: a net loaded from the JSON computes the same bits', () => {
    const a = makeNet(1), b = makeNet(50);
    const json = JSON.stringify(a.stateDict());
    expect(b.loadStateDict(JSON.parse(json))).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const x = tensor([[0.3, -1.7], [2.5, 0.01]]);
    expect(bits(b.forward(x).buffer)).toEqual(bits(a.forward(x).buffer));
    expect(snapshot(b).map(([n, d]) => [n, bits(d as number[])])).toEqual(snapshot(a).map(([n, d]) => [n, bits(d as number[])]));
  });

  it('keeps every finite float64 bit for bit through JSON (subnormals and extremes included)', () => {
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((v) => !Object.is(v, -0));
    fc.assert(
      fc.property(fc.array(finite, { minLength: 6, maxLength: 6 }), (values) => {
        const d = new Dense(3, 2, { weight: [values.slice(0, 3), values.slice(3)], bias: false });
        const back = new Dense(3, 2, { bias: false, seed: 3 });
        back.loadStateDict(JSON.parse(JSON.stringify(d.stateDict())));
        expect(bits(back.weight.buffer)).toEqual(bits(values));
      }),
      { numRuns: 200 },
    );
  });

  it('loads into the parameters\' own buffers, bumps their versions and leaves gradients alone', () => {
    const net = makeNet(1);
    const w = (net.layers[0] as Dense).weight;
    w.grad = tensor([[1, 1], [1, 1], [1, 1]]);
    const [buffer, version, grad] = [w.buffer, w.version, w.grad];
    const state = makeNet(9).stateDict();
    net.loadStateDict(state);
    expect(w.buffer).toBe(buffer);
    expect(w.version).toBe(version + 1);
    expect(w.grad).toBe(grad);
    state['0.weight'].data[0] = 123; // the module does not keep the state's arrays
    expect(w.buffer[0]).not.toBe(123);
  });
});

describe('loadStateDict refusals change nothing', () => {
  const cases: [string, (s: StateDict) => void, RegExp | string][] = [
    ['a missing key', (s) => delete s['2.bias'], "loadStateDict: missing key(s) '2.bias'; nothing was loaded"],
    ['an unexpected key', (s) => (s['9.weight'] = { shape: [1], dtype: 'float64', data: [1] }), "unexpected key(s) '9.weight'"],
    ['a wrong shape', (s) => (s['2.weight'] = { shape: [3, 1], dtype: 'float64', data: [1, 2, 3] }), "'2.weight': shape [3,1] in the state does not match the parameter's shape [1,3]"],
    ['a wrong dtype', (s) => (s['2.bias'].dtype = 'float32'), `'2.bias': dtype "float32" in the state does not match the parameter's dtype 'float64' (shape [])`],
    ['data of the wrong length', (s) => s['0.bias'].data.push(1), "'0.bias': data has 4 numbers but shape [3] holds 3"],
    ['a null from JSON (NaN)', (s) => ((s['0.weight'].data as unknown[])[2] = null), "'0.weight': data[2] is null, not a number"],
    ['an entry that is not an object', (s) => ((s as Record<string, unknown>)['0.bias'] = 5), "'0.bias': expected { shape, dtype, data }, got number"],
  ];
  for (const [what, spoil, message] of cases) {
    it(what, () => {
      const net = makeNet(1);
      const state = makeNet(2).stateDict(); // valid values for every earlier key: only the spoiled entry is wrong
      spoil(state);
      const before = snapshot(net);
      expect(() => net.loadStateDict(state)).toThrow(message);
      expect(snapshot(net)).toEqual(before);
    });
  }

  it('with strict: false, loads what matches and reports the rest; shapes are still checked', () => {
    const net = makeNet(1);
    const source = makeNet(2);
    const state = source.stateDict();
    delete state['0.bias'];
    state.extra = { shape: [], dtype: 'float64', data: [1] };
    const before = snapshot(net);
    expect(loadStateDict(net, state, { strict: false })).toEqual({ missingKeys: ['0.bias'], unexpectedKeys: ['extra'] });
    expect(snapshot(net)[1]).toEqual(before[1]); // the missing key's parameter is untouched
    expect(snapshot(net)[0][1]).toEqual(snapshot(source)[0][1]);
    state['2.weight'].shape = [1, 1];
    const loaded = snapshot(net);
    expect(() => loadStateDict(net, state, { strict: false })).toThrow(/shape \[1,1\] in the state does not match the parameter's shape \[1,3\]/);
    expect(snapshot(net)).toEqual(loaded);
  });

  it('refuses options that are not { strict: boolean } before loading anything', () => {
    const net = makeNet(1);
    const state = makeNet(2).stateDict();
    const before = snapshot(net);
    expect(() => net.loadStateDict(state, { strict: 'false' as unknown as boolean })).toThrow('loadStateDict: strict must be true or false, got "false" (a string)');
    expect(() => net.loadStateDict(state, { strick: false } as never)).toThrow("loadStateDict: unknown option 'strick'; the only option is strict");
    expect(snapshot(net)).toEqual(before);
  });

  it('a graph that used the old values refuses to backpropagate after a load', () => {
    const net = makeNet(1);
    const y = net.forward(tensor([0.5, -0.5])).sum();
    net.loadStateDict(makeNet(2).stateDict());
    expect(() => y.backward()).toThrow(/modified in place/);
  });

  it('refuses something that is not a state dict', () => {
    expect(() => makeNet(1).loadStateDict(null as unknown as StateDict)).toThrow(/expected an object of \{ shape, dtype, data \} entries, got null/);
  });
});

describe('old Sequential names', () => {
  it("loads a state saved as layers.0.weight (before Sequential took PyTorch's names) into 0.weight", () => {
    const net = new Sequential(new Dense(2, 1, { seed: 3 }), new Sigmoid());
    const old = Object.fromEntries(Object.entries(stateDict(net)).map(([k, v]) => [`layers.${k}`, { ...v, data: v.data.map((x) => x + 1) }]));
    expect(Object.keys(old)).toEqual(['layers.0.weight', 'layers.0.bias']);
    const before = Array.from(net.parameters()[0].buffer);
    expect(loadStateDict(net, old)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(Array.from(net.parameters()[0].buffer)).toEqual(before.map((x) => x + 1));
    // a nested Sequential: layers.1.layers.0.weight is 1.0.weight
    const nested = new Sequential(new Sigmoid(), new Sequential(new Dense(1, 1)));
    expect(nested.namedParameters().map(([n]) => n)).toEqual(['1.0.weight', '1.0.bias']);
    const state = { 'layers.1.layers.0.weight': { shape: [1, 1], dtype: 'float64' as const, data: [5] }, '1.0.bias': { shape: [1], dtype: 'float64' as const, data: [6] } };
    loadStateDict(nested, state);
    expect(nested.parameters().map((p) => p.item())).toEqual([5, 6]);
  });
});
