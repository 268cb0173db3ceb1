/**
 * The entry of a matmul worker thread (Node worker_threads or a browser Web Worker; see
 * matmul-threads.ts): takes its buffers from install messages, then waits on the shared control
 * block for jobs and takes chunks of each product until none is left. It leaves its wait loop only
 * when a job needs buffers it has not installed yet, to receive them, and comes back.
 * @module
 */
import { gemmOneThread } from './matmul.js';
import {
  CLAIM_BYTE, D_GEMM, D_KIND, D_VERSION, DESC_BYTE, DONE, GEN, KIND_GEMM, OWNER_BYTE, STATE_BASE,
  claimChunk, runChunk, type ChunkedGemm, type InstallMessage,
} from './matmul-threads.js';

interface Port {
  addEventListener(type: 'message', listener: (e: { data: InstallMessage }) => void): void;
  start?(): void;
}

const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
// Node: the port to the parent thread; a browser worker receives its messages on its global scope
const port: Port = proc?.getBuiltinModule !== undefined ? (proc.getBuiltinModule('node:worker_threads') as { parentPort: Port }).parentPort : (globalThis as unknown as Port);

let ctl: Int32Array | null = null;
let claim: BigInt64Array;
let desc: Float64Array;
let owner: Int32Array;
let index = 0;
let version = -1;
let staging: Float64Array;
let seen = 0;

port.addEventListener('message', (e) => {
  const m = e.data;
  if (ctl === null) {
    ctl = new Int32Array(m.control, 0, CLAIM_BYTE / 4);
    claim = new BigInt64Array(m.control, CLAIM_BYTE, 1);
    desc = new Float64Array(m.control, DESC_BYTE, (OWNER_BYTE - DESC_BYTE) / 8);
    owner = new Int32Array(m.control, OWNER_BYTE);
    index = m.index;
    seen = Atomics.load(ctl, GEN);
  }
  staging = new Float64Array(m.staging);
  version = m.version;
  Atomics.store(ctl, STATE_BASE + index, 1);
  serve(ctl);
});
port.start?.();

/** Takes chunks of every job until a job needs newer buffers (then returns, to receive them). */
function serve(ctl: Int32Array): void {
  for (;;) {
    Atomics.wait(ctl, GEN, seen);
    seen = Atomics.load(ctl, GEN);
    if (desc[D_VERSION] !== version) return;
    if (desc[D_KIND] !== KIND_GEMM) continue;
    const f = (i: number) => desc[D_GEMM + i]!;
    const job: ChunkedGemm = {
      m: f(0), n: f(1), k: f(2),
      a: staging, aOff: f(3), aRs: f(4), aCs: f(5),
      b: staging, bOff: f(6), bRs: f(7), bCs: f(8),
      c: staging, cOff: f(9), ldc: f(10),
      axis: f(11) === 0 ? 0 : 1, width: f(12), chunks: f(13),
    };
    const gen = seen >>> 0;
    for (let i = claimChunk(claim, gen, job.chunks); i >= 0; i = claimChunk(claim, gen, job.chunks)) {
      runChunk(job, i, gemmOneThread);
      owner[i] = index + 1;
      Atomics.add(ctl, DONE, 1);
      Atomics.notify(ctl, DONE);
    }
  }
}
