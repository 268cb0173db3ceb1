/**
 * Node-only persistence: `save(module, path)` and `load(module, path)`, imported from
 * `@chainrule/nn/node` so that the main entry stays free of `node:fs` (and usable in browsers).
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import { ChainruleError } from '@chainrule/core';
import type { Module } from './module.js';
import { loadStateDict, stateDict, type LoadStateDictOptions, type LoadStateDictResult, type StateDict } from './state-dict.js';

const FORMAT = 'chainrule-state-dict';
const VERSION = 1;

/** JSON has no NaN, ±Infinity or −0: they are written as these strings and read back as numbers. */
const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

function encode(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0))) return Object.is(value, -0) ? '-0' : String(value);
  return value;
}

/**
 * Writes `module`'s {@link stateDict} to `file` as JSON (`{ format, version, state }`), atomically:
 * the bytes go to a temporary file in the same directory, which is flushed to disk (fsync) and then
 * renamed over `file`. A rename within one directory is atomic, so `file` is at every moment either
 * the old complete file or the new complete file, never a partial one, even if the process dies
 * mid-write; on an error the temporary file is removed and the error rethrown. Every float64 value
 * (NaN, ±Infinity and −0 included) reads back bit for bit. Synchronous, so `await` is optional.
 *
 * @example
 * ```ts
 * import { save, load } from '@chainrule/nn/node';
 * save(net, 'net.json');
 * load(freshNet, 'net.json');
 * ```
 */
export function save(module: Module, file: string): void {
  const text = JSON.stringify({ format: FORMAT, version: VERSION, state: stateDict(module) }, encode);
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}${Math.floor(Math.random() * 1e9).toString(36)}.tmp`);
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, 'wx');
    const bytes = Buffer.from(text, 'utf8');
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== null) {
      try { fs.closeSync(fd); } catch { /* already failing: report the first error */ }
    }
    try { fs.rmSync(tmp, { force: true }); } catch { /* nothing more to clean */ }
    throw err;
  }
  // Make the rename itself durable; not possible on every platform (e.g. Windows), hence best effort.
  try {
    const dfd = fs.openSync(dir, 'r');
    try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
  } catch { /* the file is complete either way */ }
}

/**
 * Reads a file written by {@link save} and loads it into `module` with {@link loadStateDict}
 * (same checks: with `strict` a missing or unexpected key, and always a wrong shape or dtype, throw
 * and change nothing). Returns the keys that did not match (non-empty only with `strict: false`).
 *
 * @example
 * ```ts
 * load(net, 'net.json');
 * ```
 */
export function load(module: Module, file: string, options: LoadStateDictOptions = {}): LoadStateDictResult {
  const text = fs.readFileSync(file, 'utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ChainruleError(`load: ${file} is not valid JSON (${(err as Error).message})`);
  }
  const d = doc as { format?: unknown; version?: unknown; state?: unknown };
  if (d === null || typeof d !== 'object' || d.format !== FORMAT || typeof d.state !== 'object' || d.state === null) {
    throw new ChainruleError(`load: ${file} is not a chainrule state file (expected { format: '${FORMAT}', version, state })`);
  }
  if (d.version !== VERSION) throw new ChainruleError(`load: ${file} has format version ${String(d.version)}; this chainrule reads version ${VERSION}`);
  const state = d.state as StateDict;
  for (const entry of Object.values(state)) {
    const data = (entry as { data?: unknown } | null)?.data;
    if (Array.isArray(data)) {
      for (let i = 0; i < data.length; i++) if (typeof data[i] === 'string' && data[i] in SPECIAL) data[i] = SPECIAL[data[i] as string];
    }
  }
  return loadStateDict(module, state, options);
}
