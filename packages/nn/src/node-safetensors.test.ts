import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Tanh } from './activations.js';
import { Dense } from './linear.js';
import { Sequential } from './sequential.js';
import { loadSafetensors, saveSafetensors } from './node.js';
import { readSafetensorsMetadata } from './safetensors.js';

describe('saveSafetensors / loadSafetensors', () => {
  it('writes a file atomically and loads it back, refusing a model it does not fit', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chainrule-st-'));
    try {
      const file = path.join(dir, 'net.safetensors');
      const net = new Sequential(new Dense(2, 3, { seed: 1 }), new Tanh(), new Dense(3, 1, { seed: 2 }));
      saveSafetensors(net, file, { description: 'test' });
      expect(fs.readdirSync(dir)).toEqual(['net.safetensors']); // no temporary file left
      expect(readSafetensorsMetadata(fs.readFileSync(file)).description).toBe('test');
      const other = new Sequential(new Dense(2, 3, { seed: 5 }), new Tanh(), new Dense(3, 1, { seed: 6 }));
      loadSafetensors(other, file);
      expect(other.parameters().map((p) => Array.from(p.buffer))).toEqual(net.parameters().map((p) => Array.from(p.buffer)));
      expect(() => loadSafetensors(new Sequential(new Dense(2, 4)), file)).toThrow(/loadSafetensors: .*net\.safetensors: .*unexpected key\(s\) '2.bias', '2.weight'/);
      expect(() => loadSafetensors(net, path.join(dir, 'absent.safetensors'))).toThrow('does not exist');
      expect(() => saveSafetensors(net, path.join(dir, 'no', 'such.safetensors'))).toThrow('saveSafetensors: the directory');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
