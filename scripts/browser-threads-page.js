// The page of scripts/browser-smoke.mjs's threads modes, bundled by esbuild from the built
// @chainrule/core; it records its checks in window.__smoke, as browser-smoke-entry.js does.
// - threads: a cross-origin isolated page (COOP same-origin, COEP require-corp). On the page's main
//   thread setNumThreads(2) is refused (a page may not block on Atomics.wait); a Web Worker
//   (/threads-worker.js) turns threads on, runs products with core's own matmul worker
//   (/matmul-worker.js, started by core) and checks them bit for bit against one thread.
// - threads-unisolated: the same page without those headers: in the worker setNumThreads(2) is
//   refused, naming the missing isolation.
import { ChainruleError, getNumThreads, setNumThreads } from '@chainrule/core';

const mode = new URLSearchParams(location.search).get('mode') ?? 'threads';
const checks = [];
const info = { mode, crossOriginIsolated: globalThis.crossOriginIsolated };
const check = (name, ok, detail) => checks.push({ name, ok: Boolean(ok), detail });

try {
  setNumThreads(2);
  check("setNumThreads(2) on the page's main thread throws", false, 'no error');
} catch (e) {
  check("setNumThreads(2) on the page's main thread throws a ChainruleError saying a page's main thread may not wait",
    e instanceof ChainruleError && /^setNumThreads\(2\): a browser page's main thread may not wait .*Web Worker/.test(e.message), String(e?.message));
}
check('the page stays on one thread', getNumThreads() === 1, `getNumThreads() = ${getNumThreads()}`);
check(`the page is ${mode === 'threads' ? '' : 'not '}cross-origin isolated`, globalThis.crossOriginIsolated === (mode === 'threads'), `crossOriginIsolated = ${globalThis.crossOriginIsolated}`);

const worker = new Worker(`/threads-worker.js?mode=${mode}`, { type: 'module' });
const timer = setTimeout(() => finish([{ name: 'the worker answered within 60 s', ok: false }], {}), 60_000);
worker.addEventListener('error', (e) => finish([{ name: 'the worker ran', ok: false, detail: e.message }], {}));
worker.addEventListener('message', (e) => finish(e.data.checks, e.data.info));

function finish(workerChecks, workerInfo) {
  clearTimeout(timer);
  worker.terminate();
  window.__smoke = { checks: [...checks, ...workerChecks.map((c) => ({ ...c, name: `worker: ${c.name}` }))], info: { ...info, ...workerInfo } };
}
