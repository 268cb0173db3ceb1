/**
 * Writing a file atomically and durably, shared by `save` and `saveSafetensors`: the bytes go to a
 * temporary file beside the target, which is flushed and renamed over it, then the directory is
 * flushed; the target is at every moment the old complete file or the new one.
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import { ChainruleError } from '@chainrule/core';
import { describeValue } from '../describe-value.js';
import { removeStaleTemps, tempName } from './temp-files.js';

/**
 * Checks `file` (a usable path, not a directory, in a directory that exists), then writes it
 * through a temporary file (`write` gets its descriptor), fsyncs, renames and fsyncs the directory.
 * On an error the temporary file is removed and the error rethrown. `where` starts every message.
 * @example
 * ```ts
 * writeAtomically('net.safetensors', 'saveSafetensors', (fd) => fs.writeSync(fd, bytes));
 * ```
 */
export function writeAtomically(file: string, where: string, write: (fd: number) => void): void {
  const target = checkPath(file, where);
  if (fs.statSync(target, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ChainruleError(`${where}: ${target} is a directory; give the path of a file to write, e.g. ${path.join(target, 'net.ckpt')}`);
  }
  const dir = path.dirname(path.resolve(target));
  const dirStat = fs.statSync(dir, { throwIfNoEntry: false });
  if (dirStat === undefined) throw new ChainruleError(`${where}: the directory ${dir} does not exist (saving ${target}); create it first`);
  if (!dirStat.isDirectory()) throw new ChainruleError(`${where}: ${dir} is not a directory (saving ${target})`);
  const base = path.basename(target);
  removeStaleTemps(dir, base);
  const tmp = path.join(dir, tempName(base));
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, 'wx');
    write(fd);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, target);
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
 * `file` if it is a usable file path; refuses before any file is touched.
 * @example
 * ```ts
 * checkPath('', 'save'); // throws: the path is empty
 * ```
 */
export function checkPath(file: string, where: string): string {
  const verb = where.startsWith('load') ? 'read' : 'write';
  if (typeof file !== 'string') throw new ChainruleError(`${where}: the path must be a string, got ${describeValue(file)}`);
  if (file === '') throw new ChainruleError(`${where}: the path is empty; give the file to ${verb}, e.g. ${where}(net, 'net.ckpt')`);
  if (file.endsWith('/') || file.endsWith(path.sep)) {
    throw new ChainruleError(`${where}: ${file} ends with a path separator, so it names a directory; give a file such as ${path.join(file, 'net.ckpt')}`);
  }
  return file;
}
