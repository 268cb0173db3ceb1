import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HOST_TAG, removeStaleTemps, tempName } from './temp-files.js';

let dir = '';
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chainrule-temp-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('temporary file names', () => {
  it('carry the host tag and the writer pid, and differ each time', () => {
    expect(tempName('net.ckpt')).toMatch(new RegExp(`^\\.net\\.ckpt\\.${HOST_TAG}-${process.pid}-[0-9a-f]{12}\\.tmp$`));
    expect(tempName('net.ckpt')).not.toBe(tempName('net.ckpt'));
  });

  it('a dead writer\'s are removed; this process\'s are kept; an unlistable directory is no error', () => {
    const deadPid = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    const dead = tempName('net.ckpt', deadPid), mine = tempName('net.ckpt');
    for (const n of [dead, mine]) fs.writeFileSync(path.join(dir, n), '');
    expect(removeStaleTemps(dir, 'net.ckpt')).toEqual([dead]);
    expect(fs.readdirSync(dir)).toEqual([mine]);
    expect(removeStaleTemps(path.join(dir, 'missing'), 'net.ckpt')).toEqual([]);
  });
});
