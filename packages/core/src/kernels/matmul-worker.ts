/**
 * The entry of a matmul worker thread (Node worker_threads or a browser Web Worker; see
 * matmul-threads.ts): takes its buffers from install messages, then waits on the shared control
 * block for jobs and takes chunks of each product until none is left. It leaves its wait loop only
 * when a job needs buffers it has not installed yet, to receive them, and comes back.
 * @module
 */
import { gemmOneThread } from './matmul.js';
import {
  CLAIM_BYTE, D_GEMM, D_KIND, D_VERSION, DESC_BYTE, DONE, GEN, KIND_GEMM, STATE_BASE,
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
let index = 0;
let version = -1;
let buffers: Float64Array[] = [];
let seen = 0;

port.addEventListener('message', (e) => {
  const m = e.data;
  if (ctl === null) {
    ctl = new Int32Array(m.control, 0, CLAIM_BYTE / 4);
    claim = new BigInt64Array(m.control, CLAIM_BYTE, 1);
    desc = new Float64Array(m.control, DESC_BYTE);
    index = m.index;
    seen = Atomics.load(ctl, GEN);
  }
  buffers = m.buffers.map((b) => new Float64Array(b));
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
      a: buffers[f(3)]!, aOff: f(4), aRs: f(5), aCs: f(6),
      b: buffers[f(7)]!, bOff: f(8), bRs: f(9), bCs: f(10),
      c: buffers[f(11)]!, cOff: f(12), ldc: f(13),
      axis: f(14) === 0 ? 0 : 1, width: f(15), chunks: f(16),
    };
    const gen = seen >>> 0;
    for (let i = claimChunk(claim, gen, job.chunks); i >= 0; i = claimChunk(claim, gen, job.chunks)) {
      runChunk(job, i, gemmOneThread);
      Atomics.add(ctl, DONE, 1);
      Atomics.notify(ctl, DONE);
    }
  }
}
