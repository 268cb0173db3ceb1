/**
 * Node-only persistence: `save(module, path)` and `load(module, path)`, imported from
 * `@chainrule/nn/node` so that the main entry stays free of `node:fs` (and usable in browsers).
 * The file format is described in `node/state-file.ts`.
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import { ChainruleError } from '@chainrule/core';
import { describeValue } from './describe-value.js';
import { namedStateTensors, type Module } from './module.js';
import { readStateFile, writeStateFile } from './node/state-file.js';
import { checkPath, writeAtomically } from './node/atomic-write.js';
import { removeStaleTemps } from './node/temp-files.js';
import { loadState, type LoadStateDictOptions, type LoadStateDictResult, type StateDict } from './state-dict.js';
import { fromSafetensors, toSafetensors, type SafetensorsMetadata } from './safetensors.js';

/**
 * Writes the parameters and persistent buffers of `module` (its state dict) to `file`, atomically and durably, in chainrule's state file
 * format (version 2: a JSON header with a SHA-256 checksum, the names, dtypes and shapes, then the
 * raw little-endian values, written in chunks, so the size of a model is limited by the disk, not
 * by the longest string JavaScript can hold). Every value, NaN, ±Infinity and −0 included, reads
 * back bit for bit.
 *
 * Atomic: the bytes go to a temporary file in the same directory, named after this process
 * (`.net.ckpt.<host>-<pid>-<random>.tmp`), which is flushed to disk (fsync) and then renamed over
 * `file`; the directory is then flushed too, so the rename survives a power loss. `file` is at every
 * moment the old complete file or the new complete one, even if the process is killed mid-write; on
 * an error the temporary file is removed and the error rethrown. A temporary file left by a writer
 * that died (its pid no longer runs on this host) is removed by the next save or load in that
 * directory. The path is checked before anything is written: not empty, not a directory, in a
 * directory that exists. Synchronous, so `await` is optional.
 *
 * @example
 * ```ts
 * import { save, load } from '@chainrule/nn/node';
 * save(net, 'net.ckpt');
 * load(freshNet, 'net.ckpt');
 * ```
 */
export function save(module: Module, file: string): void {
  checkModule(module, 'save');
  const tensors = namedStateTensors(module).map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, data: t.buffer }));
  writeAtomically(file, 'save', (fd) => writeStateFile(fd, tensors));
}

/**
 * Reads a file written by {@link save} and loads it into `module` with the checks of
 * `loadStateDict` (with `strict` a missing or unexpected key, and always a wrong shape or dtype,
 * throw and change nothing). Returns the keys that did not match (non-empty only with `strict: false`).
 *
 * A version 2 file is checked against its SHA-256 checksum before anything is loaded: a file with a
 * changed or missing byte is refused as corrupted, naming the path. Files of version 1 (the JSON
 * files written before version 2, without a checksum) are still read. Removes temporary files of
 * dead writers in the file's directory, as {@link save} does.
 *
 * @example
 * ```ts
 * load(net, 'net.ckpt');
 * load(net, 'partial.ckpt', { strict: false }); // { missingKeys: [...], unexpectedKeys: [...] }
 * ```
 */
export function load(module: Module, file: string, options: LoadStateDictOptions = {}): LoadStateDictResult {
  checkModule(module, 'load');
  const target = checkPath(file, 'load');
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (stat === undefined) throw new ChainruleError(`load: ${target} does not exist`);
  if (stat.isDirectory()) throw new ChainruleError(`load: ${target} is a directory, not a state file written by save`);
  removeStaleTemps(path.dirname(path.resolve(target)), path.basename(target));
  const { state } = readStateFile(target);
  return loadState(module, state, options, `load: ${target}`);
}

function checkModule(module: Module, where: string): void {
  if (module === null || typeof module !== 'object' || typeof (module as Partial<Module>).namedParameters !== 'function') {
    throw new ChainruleError(`${where}: expected a Module, got ${describeValue(module)}`);
  }
}

// ------------------------------------------------------------------ safetensors files

/**
 * Writes `source` (a module's parameters under PyTorch's names, or a state dict) to `file` in the
 * safetensors format ({@link toSafetensors}), atomically and durably as {@link save} writes: a
 * temporary file beside it, flushed, then renamed over it.
 * @example
 * ```ts
 * import { saveSafetensors } from '@chainrule/nn/node';
 * saveSafetensors(net, 'net.safetensors', { description: 'trained in chainrule' });
 * // Python: model.load_state_dict(safetensors.torch.load_file('net.safetensors'))
 * ```
 */
export function saveSafetensors(source: Module | StateDict, file: string, metadata: SafetensorsMetadata = {}): void {
  const bytes = toSafetensors(source, metadata);
  writeAtomically(file, 'saveSafetensors', (fd) => {
    let at = 0;
    while (at < bytes.length) at += fs.writeSync(fd, bytes, at, bytes.length - at);
  });
}

/**
 * Reads a safetensors file (written here or by PyTorch's `safetensors.torch.save_file`) and loads
 * it into `module` with the checks of `loadStateDict`: with `strict` (the default) a missing or
 * unexpected name, and always a wrong shape or dtype, throw naming the tensor, and nothing changes.
 * @example
 * ```ts
 * import { loadSafetensors } from '@chainrule/nn/node';
 * loadSafetensors(net, 'finetuned.safetensors');
 * ```
 */
export function loadSafetensors(module: Module, file: string, options: LoadStateDictOptions = {}): LoadStateDictResult {
  checkModule(module, 'loadSafetensors');
  const target = checkPath(file, 'loadSafetensors');
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (stat === undefined) throw new ChainruleError(`loadSafetensors: ${target} does not exist`);
  if (stat.isDirectory()) throw new ChainruleError(`loadSafetensors: ${target} is a directory, not a safetensors file`);
  return loadState(module, fromSafetensors(fs.readFileSync(target)), options, `loadSafetensors: ${target}`);
}
