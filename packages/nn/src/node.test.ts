import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { randn, tensor } from '@chainrule/core';
import { BatchNorm1d } from './batch-norm.js';
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
    const file = path.join(dir, 'net.ckpt');
    save(a, file);
    const b = new Dense(3, 2, { seed: 4 });
    expect(load(b, file)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(bits(b.weight.buffer)).toEqual(bits(a.weight.buffer));
    expect(bits(b.bias!.buffer)).toEqual(bits([Number.MAX_VALUE, -1 / 3]));
    const bytes = fs.readFileSync(file);
    const header = JSON.parse(bytes.subarray(0, bytes.indexOf(0x0a)).toString());
    expect(header).toEqual({ format: 'chainrule-state-dict', version: 2, metaBytes: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('carry the buffers (running statistics) with the parameters', () => {
    const a = new BatchNorm1d(3);
    a.forward(randn([5, 3], { seed: 1 }));
    const file = path.join(dir, 'bn.ckpt');
    save(a, file);
    const b = new BatchNorm1d(3);
    expect(load(b, file)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(bits(b.runningMean!.buffer)).toEqual(bits(a.runningMean!.buffer));
    expect(bits(b.runningVar!.buffer)).toEqual(bits(a.runningVar!.buffer));
    expect(b.numBatchesTracked!.item()).toBe(1);
  });

  it('round-trip float32 parameters exactly', () => {
    const a = new Dense(2, 2, { dtype: 'float32', seed: 1 });
    const file = path.join(dir, 'f32.ckpt');
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
    const file = path.join(dir, 'net.ckpt');
    save(new Dense(2, 2, { seed: 1 }), file);
    const second = new Dense(2, 2, { seed: 2 });
    save(second, file);
    expect(fs.readdirSync(dir)).toEqual(['net.ckpt']);
    const back = new Dense(2, 2, { seed: 3 });
    load(back, file);
    expect(back.weight.toArray()).toEqual(second.weight.toArray());
  });

  for (const failing of ['writeSync', 'fsyncSync', 'renameSync'] as const) {
    it(`are atomic: when ${failing} fails, the old file is intact and no partial file is left`, () => {
      const file = path.join(dir, 'net.ckpt');
      const old = new Dense(2, 2, { seed: 1 });
      save(old, file);
      const oldText = fs.readFileSync(file, 'utf8');
      vi.spyOn(fs, failing).mockImplementation(() => {
        throw new Error(`simulated ${failing} failure (disk full)`);
      });
      expect(() => save(new Dense(2, 2, { seed: 2 }), file)).toThrow(`simulated ${failing} failure`);
      vi.restoreAllMocks();
      expect(fs.readdirSync(dir)).toEqual(['net.ckpt']);
      expect(fs.readFileSync(file, 'utf8')).toBe(oldText);
    });
  }

  it('a failing first save creates no file at all', () => {
    const file = path.join(dir, 'new.ckpt');
    vi.spyOn(fs, 'writeSync').mockImplementation(() => {
      throw new Error('simulated write failure');
    });
    expect(() => save(new Dense(1, 1), file)).toThrow('simulated write failure');
    vi.restoreAllMocks();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('fail cleanly for a missing directory, a non-JSON file, a foreign JSON file and an unknown version', () => {
    const missing = path.join(dir, 'no', 'such');
    expect(() => save(new Dense(1, 1), path.join(missing, 'dir.json'))).toThrow(`save: the directory ${missing} does not exist (saving ${path.join(missing, 'dir.json')}); create it first`);
    expect(fs.readdirSync(dir)).toEqual([]);
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"format": "chainrule-state-dict", "version": 1, "state": {');
    expect(() => load(new Dense(1, 1), bad)).toThrow(/bad.json is not valid JSON \(.*\): truncated, corrupted or not a state file/);
    fs.writeFileSync(bad, JSON.stringify({ weight: [1] }));
    expect(() => load(new Dense(1, 1), bad)).toThrow(`load: ${bad} is not a chainrule state file (expected a 'chainrule-state-dict' file written by save)`);
    fs.writeFileSync(bad, JSON.stringify({ format: 'chainrule-state-dict', version: 0, state: {} }));
    expect(() => load(new Dense(1, 1), bad)).toThrow(`load: ${bad} has format version 0; this chainrule reads versions 1 and 2`);
    fs.writeFileSync(bad, `${JSON.stringify({ format: 'chainrule-state-dict', version: 3, metaBytes: 2 })}\n{}`);
    expect(() => load(new Dense(1, 1), bad)).toThrow(`load: ${bad} has format version 3; this chainrule reads versions 1 and 2`);
  });

  it('load refuses a mismatching file and changes nothing; strict: false loads the matching keys', () => {
    const file = path.join(dir, 'net.ckpt');
    save(new Dense(2, 2, { bias: false, seed: 1 }), file);
    const target = new Dense(2, 2, { seed: 5 });
    const before = [target.weight.toArray(), target.bias!.toArray()];
    expect(() => load(target, file)).toThrow(/missing key\(s\) 'bias'/);
    expect([target.weight.toArray(), target.bias!.toArray()]).toEqual(before);
    expect(load(target, file, { strict: false })).toEqual({ missingKeys: ['bias'], unexpectedKeys: [] });
    expect(target.forward(tensor([1, 0])).shape).toEqual([2]);
  });
});

/** Every parameter's bits and version, to show that a refused load changed nothing. */
const snapshot = (m: Dense) => m.namedParameters().map(([n, p]) => [n, bits(p.buffer), p.version]);

describe('paths are checked before anything is written', () => {
  it("save(net, '') refuses without touching any file (no temporary file in the parent directory)", () => {
    const open = vi.spyOn(fs, 'openSync');
    expect(() => save(new Dense(1, 1), '')).toThrow("save: the path is empty; give the file to write, e.g. save(net, 'net.ckpt')");
    expect(() => load(new Dense(1, 1), '')).toThrow("load: the path is empty; give the file to read, e.g. load(net, 'net.ckpt')");
    expect(open).not.toHaveBeenCalled();
  });

  it('save to a directory, or to a path ending in a separator, refuses and names it', () => {
    const sub = path.join(dir, 'models');
    fs.mkdirSync(sub);
    expect(() => save(new Dense(1, 1), sub)).toThrow(`save: ${sub} is a directory; give the path of a file to write, e.g. ${path.join(sub, 'net.ckpt')}`);
    expect(() => save(new Dense(1, 1), `${sub}/`)).toThrow(`save: ${sub}/ ends with a path separator, so it names a directory; give a file such as ${path.join(sub, 'net.ckpt')}`);
    expect([fs.readdirSync(dir), fs.readdirSync(sub)]).toEqual([['models'], []]);
  });

  it('load of a directory or a missing file names the path and says what it is', () => {
    expect(() => load(new Dense(1, 1), dir)).toThrow(`load: ${dir} is a directory, not a state file written by save`);
    const missing = path.join(dir, 'nothing.ckpt');
    expect(() => load(new Dense(1, 1), missing)).toThrow(`load: ${missing} does not exist`);
  });

  it('refuses a module that is not one, and a path that is not a string', () => {
    expect(() => save(null as unknown as Dense, path.join(dir, 'x.ckpt'))).toThrow('save: expected a Module, got null');
    expect(() => load(new Dense(1, 1), 5 as unknown as string)).toThrow('load: the path must be a string, got 5');
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('a file that is not what save wrote is refused as corrupted, naming the path', () => {
  const saved = () => {
    const file = path.join(dir, 'net.ckpt');
    save(new Dense(3, 2, { seed: 1 }), file);
    const bytes = fs.readFileSync(file);
    return { file, bytes, headerEnd: bytes.indexOf(0x0a) + 1 };
  };

  it('one changed digit of a value (the corruption that used to load silently)', () => {
    const { file, bytes } = saved();
    bytes[bytes.length - 3] ^= 0x01; // the last value's low bits
    fs.writeFileSync(file, bytes);
    const target = new Dense(3, 2, { seed: 9 });
    const before = snapshot(target);
    expect(() => load(target, file)).toThrow(new RegExp(`^load: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is corrupted: its SHA-256 checksum does not match its contents \\(the header says [0-9a-f]{12}…, the contents hash to [0-9a-f]{12}…\\); nothing was loaded$`));
    expect(snapshot(target)).toEqual(before);
  });

  it('a truncated file, a file with bytes appended, a damaged tensor list, a damaged header', () => {
    const { file, bytes, headerEnd } = saved();
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 8));
    expect(() => load(new Dense(3, 2), file)).toThrow(`load: ${file} is corrupted: it is ${bytes.length - 8} bytes but its header and tensor list describe ${bytes.length} bytes; nothing was loaded`);
    fs.writeFileSync(file, Buffer.concat([bytes, Buffer.from([0])]));
    expect(() => load(new Dense(3, 2), file)).toThrow(`is corrupted: it is ${bytes.length + 1} bytes but its header and tensor list describe ${bytes.length} bytes`);
    const list = Buffer.from(bytes);
    list[headerEnd] = 0x5b; // '{' of the tensor list becomes '['
    fs.writeFileSync(file, list);
    expect(() => load(new Dense(3, 2), file)).toThrow(`load: ${file} is corrupted: its tensor list is not valid JSON; nothing was loaded`);
    const shape = Buffer.from(bytes.toString('latin1').replace('"shape":[2,3]', '"shape":[3,2]'), 'latin1');
    fs.writeFileSync(file, shape);
    expect(() => load(new Dense(3, 2), file)).toThrow(`load: ${file} is corrupted: its SHA-256 checksum does not match its contents`);
    const header = Buffer.from(bytes.toString('latin1').replace(/"sha256":"[0-9a-f]/, '"sha256":"x'), 'latin1');
    fs.writeFileSync(file, header);
    expect(() => load(new Dense(3, 2), file)).toThrow(`load: ${file} is corrupted: its header line (metaBytes, sha256) is damaged; nothing was loaded`);
  });

  it('property: any one changed byte is refused, and the module is left as it was', () => {
    const { file, bytes, headerEnd } = saved();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const spoilt = Buffer.from(bytes);
        spoilt[at] ^= flip;
        fs.writeFileSync(file, spoilt);
        const target = new Dense(3, 2, { seed: 9 });
        const before = snapshot(target);
        // every change is caught as corruption, except a changed version digit in the header,
        // which reads as another version
        const expected = at >= headerEnd ? /is corrupted: / : /is corrupted: |has format version/;
        expect(() => load(target, file)).toThrow(expected);
        expect(snapshot(target)).toEqual(before);
      }),
      { numRuns: 300 },
    );
  });
});

describe('version 1 files (one JSON document, written before version 2) are still read', () => {
  it('bit for bit, NaN, ±Infinity and −0 included', () => {
    const file = path.join(dir, 'old.json');
    // exactly what the version 1 writer produced: JSON, with the values JSON lacks as strings
    const v1 = {
      format: 'chainrule-state-dict',
      version: 1,
      state: {
        weight: { shape: [2, 3], dtype: 'float64', data: [0.1, '-0', 'NaN', 'Infinity', '-Infinity', 5e-324] },
        bias: { shape: [2], dtype: 'float64', data: [Number.MAX_VALUE, -1 / 3] },
      },
    };
    fs.writeFileSync(file, JSON.stringify(v1));
    const net = new Dense(3, 2, { seed: 4 });
    expect(load(net, file)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(bits(net.weight.buffer)).toEqual(bits([0.1, -0, NaN, Infinity, -Infinity, 5e-324]));
    expect(bits(net.bias!.buffer)).toEqual(bits([Number.MAX_VALUE, -1 / 3]));
  });
});

describe('temporary files of dead writers', () => {
  it('are removed by the next save or load in that directory; live writers, other hosts and other files are kept', async () => {
    const { HOST_TAG } = await import('./node/temp-files.js');
    const { spawnSync } = await import('node:child_process');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    const names = {
      dead: `.net.ckpt.${HOST_TAG}-${deadPid}-0a1b2c3d4e5f.tmp`,
      deadOtherBase: `.other.ckpt.${HOST_TAG}-${deadPid}-0a1b2c3d4e5f.tmp`,
      deadV1: `.net.ckpt.${deadPid}.mfx2k1a3b4c.tmp`, // the version 1 writer's name, without a host tag
      live: `.net.ckpt.${HOST_TAG}-${process.pid}-0a1b2c3d4e5f.tmp`,
      otherHost: `.net.ckpt.${HOST_TAG === '00000000' ? '11111111' : '00000000'}-${deadPid}-0a1b2c3d4e5f.tmp`,
      unrelated: `notes.${deadPid}.tmp`,
    };
    for (const n of Object.values(names)) fs.writeFileSync(path.join(dir, n), 'partial');
    const file = path.join(dir, 'net.ckpt');
    save(new Dense(2, 2, { seed: 1 }), file);
    expect(fs.readdirSync(dir).sort()).toEqual([names.live, names.otherHost, 'net.ckpt', names.unrelated].sort());
    fs.writeFileSync(path.join(dir, names.dead), 'partial');
    load(new Dense(2, 2), file);
    expect(fs.existsSync(path.join(dir, names.dead))).toBe(false);
  });

  it('a writer killed with SIGKILL mid-save leaves the old file whole; its temporary file goes at the next load', async () => {
    const { spawn } = await import('node:child_process');
    const file = path.join(dir, 'big.ckpt');
    const make = (seed: number) => new Dense(1000, 1000, { seed }); // 8 MB of float64
    const old = make(1);
    save(old, file);
    const before = fs.readFileSync(file);
    // a child saves a different model over and over until it is killed
    const source = new URL('./node.ts', import.meta.url).pathname;
    const linearSource = new URL('./linear.ts', import.meta.url).pathname;
    const script = `const { save } = await import(${JSON.stringify(source)}); const { Dense } = await import(${JSON.stringify(linearSource)});` +
      `const net = new Dense(1000, 1000, { seed: 2 }); process.stdout.write('ready\\n'); for (;;) save(net, ${JSON.stringify(file)});`;
    const killMidSave = async (): Promise<boolean> => {
      const child = spawn(process.execPath, ['--conditions=@chainrule/source', '--import', 'tsx', '--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
        cwd: new URL('../../../', import.meta.url).pathname, // the workspace root, where tsx is installed
      });
      await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
      // wait until a temporary file of the child exists, then kill it mid-write
      const deadline = Date.now() + 20_000;
      while (!fs.readdirSync(dir).some((n) => n.endsWith('.tmp')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      return fs.readdirSync(dir).some((n) => n.endsWith('.tmp'));
    };
    // the kill may land in the moment between one save's rename and the next one's open: try again then
    let leftOver = false;
    for (let attempt = 0; attempt < 3 && !leftOver; attempt++) leftOver = await killMidSave();
    expect(leftOver).toBe(true);
    // the file is the old one or one of the child's complete saves: it loads, checksum and all
    const back = make(3);
    load(back, file);
    const expected = fs.readFileSync(file).equals(before) ? old : make(2);
    expect(bits(back.weight.buffer)).toEqual(bits(expected.weight.buffer));
    expect(fs.readdirSync(dir)).toEqual(['big.ckpt']);
  }, 60_000);
});
