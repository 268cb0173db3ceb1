import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tensor } from '@chainrule/core';
import { Dense } from './linear.js';
import { load, save } from './node.js';

let dir = '';
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chainrule-nn-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

const bits = (xs: ArrayLike<number>) => Array.from(new BigUint64Array(Float64Array.from(xs).buffer));

describe('save and load', () => {
  it('round-trip every float64 bit, NaN, ±Infinity and −0 included', () => {
    const weird = [[0.1, -0, NaN], [Infinity, -Infinity, 5e-324]];
    const a = new Dense(3, 2, { weight: weird, biasValue: [Number.MAX_VALUE, -1 / 3] });
    const file = path.join(dir, 'net.json');
    save(a, file);
    const b = new Dense(3, 2, { seed: 4 });
    expect(load(b, file)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(bits(b.weight.buffer)).toEqual(bits(a.weight.buffer));
    expect(bits(b.bias!.buffer)).toEqual(bits([Number.MAX_VALUE, -1 / 3]));
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(doc.format).toBe('chainrule-state-dict');
    expect(doc.version).toBe(1);
    expect(doc.state.weight.data).toEqual([0.1, '-0', 'NaN', 'Infinity', '-Infinity', 5e-324]);
  });

  it('round-trip float32 parameters exactly', () => {
    const a = new Dense(2, 2, { dtype: 'float32', seed: 1 });
    const file = path.join(dir, 'f32.json');
    save(a, file);
    const b = new Dense(2, 2, { dtype: 'float32', seed: 2 });
    load(b, file);
    expect(Array.from(b.weight.buffer)).toEqual(Array.from(a.weight.buffer));
    const c = new Dense(2, 2, { seed: 2 }); // float64: refused, unchanged
    const before = Array.from(c.weight.buffer);
    expect(() => load(c, file)).toThrow(/'weight': dtype "float32" in the state does not match the parameter's dtype 'float64'/);
    expect(Array.from(c.weight.buffer)).toEqual(before);
  });

  it('replace an existing file and leave no temporary file behind', () => {
    const file = path.join(dir, 'net.json');
    save(new Dense(2, 2, { seed: 1 }), file);
    const second = new Dense(2, 2, { seed: 2 });
    save(second, file);
    expect(fs.readdirSync(dir)).toEqual(['net.json']);
    const back = new Dense(2, 2, { seed: 3 });
    load(back, file);
    expect(back.weight.toArray()).toEqual(second.weight.toArray());
  });

  for (const failing of ['writeSync', 'fsyncSync', 'renameSync'] as const) {
    it(`are atomic: when ${failing} fails, the old file is intact and no partial file is left`, () => {
      const file = path.join(dir, 'net.json');
      const old = new Dense(2, 2, { seed: 1 });
      save(old, file);
      const oldText = fs.readFileSync(file, 'utf8');
      vi.spyOn(fs, failing).mockImplementation(() => {
        throw new Error(`simulated ${failing} failure (disk full)`);
      });
      expect(() => save(new Dense(2, 2, { seed: 2 }), file)).toThrow(`simulated ${failing} failure`);
      vi.restoreAllMocks();
      expect(fs.readdirSync(dir)).toEqual(['net.json']);
      expect(fs.readFileSync(file, 'utf8')).toBe(oldText);
    });
  }

  it('a failing first save creates no file at all', () => {
    const file = path.join(dir, 'new.json');
    vi.spyOn(fs, 'writeSync').mockImplementation(() => {
      throw new Error('simulated write failure');
    });
    expect(() => save(new Dense(1, 1), file)).toThrow('simulated write failure');
    vi.restoreAllMocks();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('fail cleanly for a missing directory, a non-JSON file and a foreign JSON file', () => {
    expect(() => save(new Dense(1, 1), path.join(dir, 'no', 'such', 'dir.json'))).toThrow(/ENOENT/);
    expect(fs.readdirSync(dir)).toEqual([]);
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"format": "chainrule-state-dict", "version": 1, "state": {');
    expect(() => load(new Dense(1, 1), bad)).toThrow(/bad.json is not valid JSON/);
    fs.writeFileSync(bad, JSON.stringify({ weight: [1] }));
    expect(() => load(new Dense(1, 1), bad)).toThrow(/is not a chainrule state file/);
    fs.writeFileSync(bad, JSON.stringify({ format: 'chainrule-state-dict', version: 2, state: {} }));
    expect(() => load(new Dense(1, 1), bad)).toThrow(/format version 2/);
  });

  it('load refuses a mismatching file and changes nothing; strict: false loads the matching keys', () => {
    const file = path.join(dir, 'net.json');
    save(new Dense(2, 2, { bias: false, seed: 1 }), file);
    const target = new Dense(2, 2, { seed: 5 });
    const before = [target.weight.toArray(), target.bias!.toArray()];
    expect(() => load(target, file)).toThrow(/missing key\(s\) 'bias'/);
    expect([target.weight.toArray(), target.bias!.toArray()]).toEqual(before);
    expect(load(target, file, { strict: false })).toEqual({ missingKeys: ['bias'], unexpectedKeys: [] });
    expect(target.forward(tensor([1, 0])).shape).toEqual([2]);
  });
});
