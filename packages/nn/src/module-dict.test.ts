import { describe, expect, it } from 'vitest';
import { ReLU } from './activations.js';
import type { Module } from './module.js';
import { ModuleDict } from './module-dict.js';

describe('ModuleDict', () => {
  it('keeps insertion order, replaces on set, and works like a Map', () => {
    const [a, b, c] = [new ReLU(), new ReLU(), new ReLU()];
    const dict = new ModuleDict([['z', a], ['1', b]]);
    dict.set('m', c).set('z', b);
    expect([...dict.keys()]).toEqual(['z', '1', 'm']);
    expect([...dict]).toEqual([['z', b], ['1', b], ['m', c]]);
    expect(dict.namedChildren().map(([n]) => n)).toEqual(['z', 'm']); // b once, under its first key
    expect(dict.size).toBe(3);
    expect(dict.has('1') && dict.delete('1') && !dict.has('1')).toBe(true);
    expect([...dict.values()]).toEqual([b, c]);
    expect([...dict.entries()].map(([k]) => k)).toEqual(['z', 'm']);
  });

  it('refuses bad keys and modules, changing nothing', () => {
    const dict = new ModuleDict({ a: new ReLU() });
    expect(() => dict.update({ b: new ReLU(), 'c.d': new ReLU() })).toThrow('ModuleDict: a key must be a non-empty string without dots, got "c.d" (a string)');
    expect(() => dict.update([['b', 'relu' as unknown as Module]])).toThrow(`ModuleDict: 'b': expected a Module, got "relu" (a string)`);
    expect([...dict.keys()]).toEqual(['a']);
    expect(() => dict.get('b')).toThrow("ModuleDict.get: no module under \"b\" (a string); the keys are 'a'");
    expect(() => dict.set('', new ReLU())).toThrow(/ModuleDict.set: a key must be a non-empty string/);
    expect(() => dict.forward()).toThrow(/ModuleDict: a container has no forward/);
  });
});
