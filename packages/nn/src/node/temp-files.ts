/**
 * The temporary files of atomic saves: named after their writer (host and pid), so that the next
 * save or load in the same directory can remove those whose writer died (kill -9, power loss).
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** 8 hex digits standing for this machine: a pid means nothing on another host sharing the directory. */
export const HOST_TAG = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);

/** `.net.ckpt.1a2b3c4d-4242-9f86d081884c.tmp`: a hidden file beside `net.ckpt`, tagged with host, pid and a random part. */
const TEMP = /^\..+\.([0-9a-f]{8})-(\d+)-[0-9a-z]+\.tmp$/;

/**
 * The name of a fresh temporary file for writing `base` (a file name, no directory), carrying
 * this host's tag and this process's pid.
 * @example
 * ```ts
 * tempName('net.ckpt'); // '.net.ckpt.1a2b3c4d-4242-9f86d081884c.tmp'
 * ```
 */
export function tempName(base: string, pid = process.pid): string {
  return `.${base}.${HOST_TAG}-${pid}-${randomBytes(6).toString('hex')}.tmp`;
}

/** True unless signal 0 says that no process `pid` exists (EPERM: it exists but is not ours). */
function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes from `dir` the temporary files of writers that are gone: names made by {@link tempName}
 * on this host whose pid is not alive, and, for `base` only, the names the version-1 writer used
 * (`.net.ckpt.<pid>.<random>.tmp`, no host tag). Best effort: a directory that cannot be listed or a
 * file that cannot be removed is left as it is. Returns the names removed.
 * @example
 * ```ts
 * removeStaleTemps('/models', 'net.ckpt'); // ['.net.ckpt.1a2b3c4d-4242-9f86d081884c.tmp'] after a kill -9
 * ```
 */
export function removeStaleTemps(dir: string, base: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const oldPrefix = `.${base}.`;
  const removed: string[] = [];
  for (const name of names) {
    let pid: number | null = null;
    const m = TEMP.exec(name);
    if (m !== null) {
      if (m[1] === HOST_TAG) pid = Number(m[2]);
    } else if (name.startsWith(oldPrefix) && name.endsWith('.tmp')) {
      const old = /^(\d+)\.[0-9a-z]+$/.exec(name.slice(oldPrefix.length, -'.tmp'.length));
      if (old !== null) pid = Number(old[1]);
    }
    if (pid === null || !Number.isSafeInteger(pid) || pid <= 0 || isAlive(pid)) continue;
    try {
      fs.unlinkSync(path.join(dir, name));
      removed.push(name);
    } catch {
      // gone already (another process cleaned up), or not ours to remove
    }
  }
  return removed;
}
