#!/usr/bin/env node
// Runs the built @chainrule/core in a real browser (`pnpm run test:browser`; also a step of `pnpm test`
// when Chromium is installed, and of CI, which installs it): bundles scripts/browser-smoke-entry.js with
// esbuild, serves it on 127.0.0.1 under a strict Content-Security-Policy (no 'unsafe-eval', no inline
// script; WebAssembly allowed), and opens four pages in Debian's headless Chromium through
// playwright-core: `simd` (the article's 2-2-2 network, a 256×256 matmul forward and backward bit for
// bit against naive loops with the WebAssembly SIMD tile, a gradcheck), `js` (the same with WebAssembly
// SIMD hidden, so core's JavaScript tile runs), `nowasm` (the same under a policy that also forbids
// compiling WebAssembly) and `refusal` (the ndarray interop, the one part that needs code generation,
// reports the refusal as a ChainruleError). A fifth page of its own, /ort.html, bundles the built
// @chainrule/core and @chainrule/nn (scripts/browser-ort-entry.js), exports models with exportOnnx in
// the page and runs them in onnxruntime-web's WebAssembly backend (one thread, its files served from
// node_modules/onnxruntime-web/dist by this server), comparing outputs with chainrule's; its policy
// allows 'self' and 'wasm-unsafe-eval' and nothing more, and every request it makes must go to this
// server. Two more, /threads.html (scripts/browser-threads-page.js and -worker.js), under the same
// policy: `threads`, cross-origin isolated, where setNumThreads(2) is refused on the page's main thread
// and, in a Web Worker, runs products with core's own matmul worker (served as /matmul-worker.js, next
// to the worker's bundle, where core looks for it), bit for bit against one thread; and
// `threads-unisolated`, without the isolation headers, where the worker's setNumThreads(2) is refused
// with the reason. Fails on any failed check, page error, console error, or Content-Security-Policy violation,
// except on the nowasm and refusal pages, which must report exactly the violation they provoke.
// Exits 0 only if every check passed.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];
const TIMEOUT_MS = 120_000;

if (!existsSync(CHROMIUM)) {
  console.error(`browser smoke test: ${CHROMIUM} not found. Install Debian's Chromium with:\n` +
    '  apt-get update && apt-get install -y --no-install-recommends chromium');
  process.exit(2);
}

// Resolve @chainrule/core as a consumer would (its exports map, default condition: dist/index.js),
// through the package's self-reference, since the workspace root does not depend on it.
const coreRequire = createRequire(fileURLToPath(new URL('../packages/core/package.json', import.meta.url)));
const coreEntry = coreRequire.resolve('@chainrule/core');
const nnEntry = createRequire(fileURLToPath(new URL('../packages/nn/package.json', import.meta.url))).resolve('@chainrule/nn');
for (const entry of [coreEntry, nnEntry]) {
  if (!existsSync(entry)) {
    console.error(`browser smoke test: ${entry} is missing; run pnpm run build first`);
    process.exit(2);
  }
}
// onnxruntime-web's WebAssembly backend: the ESM entry, its Emscripten glue and the .wasm, served as files
const ORT_DIST = fileURLToPath(new URL('../node_modules/onnxruntime-web/dist/', import.meta.url));
const ORT_FILES = { 'ort.wasm.min.mjs': 'text/javascript', 'ort-wasm-simd-threaded.mjs': 'text/javascript', 'ort-wasm-simd-threaded.wasm': 'application/wasm' };
for (const f of Object.keys(ORT_FILES)) {
  if (!existsSync(join(ORT_DIST, f))) {
    console.error(`browser smoke test: ${join(ORT_DIST, f)} is missing; run pnpm install (onnxruntime-web is a dev dependency)`);
    process.exit(2);
  }
}

const bundle = await build({
  entryPoints: [fileURLToPath(new URL('./browser-smoke-entry.js', import.meta.url))],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  write: false,
  logLevel: 'warning',
  plugins: [{
    name: 'chainrule-core',
    setup(b) { b.onResolve({ filter: /^@chainrule\/core$/ }, () => ({ path: coreEntry })); },
  }],
});
const js = bundle.outputFiles[0].text;

// The ONNX Runtime Web page's bundle: the built core and nn; onnxruntime-web stays a file of its own,
// imported at run time from /ort-dist/ as a site would serve it.
const ortBundle = await build({
  entryPoints: [fileURLToPath(new URL('./browser-ort-entry.js', import.meta.url))],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  write: false,
  logLevel: 'warning',
  plugins: [{
    name: 'chainrule-packages',
    setup(b) {
      b.onResolve({ filter: /^@chainrule\/core$/ }, () => ({ path: coreEntry }));
      b.onResolve({ filter: /^@chainrule\/nn$/ }, () => ({ path: nnEntry }));
      b.onResolve({ filter: /^\/ort-dist\// }, (a) => ({ path: a.path, external: true }));
    },
  }],
});
const ortJs = ortBundle.outputFiles[0].text;

// The threads pages: the page, its Web Worker, and core's own matmul worker (dist/kernels/matmul-worker.js
// and what it imports), each a bundle of its own served from the site's root, where core's
// `new URL('./matmul-worker.js', import.meta.url)` finds it from the worker's bundle.
const threadsPlugin = {
  name: 'chainrule-core-threads',
  setup(b) {
    b.onResolve({ filter: /^@chainrule\/core$/ }, () => ({ path: coreEntry }));
    b.onResolve({ filter: /^@chainrule\/core\/dist\// }, (a) => ({ path: join(dirname(coreEntry), a.path.slice('@chainrule/core/dist/'.length)) }));
  },
};
const bundleFile = async (entry) => (await build({
  entryPoints: [entry], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'warning', plugins: [threadsPlugin],
})).outputFiles[0].text;
const threadsJs = {
  '/threads-page.js': await bundleFile(fileURLToPath(new URL('./browser-threads-page.js', import.meta.url))),
  '/threads-worker.js': await bundleFile(fileURLToPath(new URL('./browser-threads-worker.js', import.meta.url))),
  '/matmul-worker.js': await bundleFile(join(dirname(coreEntry), 'kernels/matmul-worker.js')),
};
// Cross-origin isolation, which SharedArrayBuffer needs: the threads page sends it, threads-unisolated not.
const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cross-origin-resource-policy': 'same-origin' };
const threadsHtml = `<!doctype html>
<html><head><meta charset="utf-8"><title>chainrule threads</title>
<script src="/instrument.js"></script>
<script type="module" src="/threads-page.js"></script>
</head><body>chainrule on two threads in a Web Worker</body></html>`;

const instrument = readFileSync(fileURLToPath(new URL('./browser-smoke-instrument.js', import.meta.url)), 'utf8');

// What a strict site sends: scripts only from this origin, no eval or new Function ('unsafe-eval'
// absent), WebAssembly compilation allowed ('wasm-unsafe-eval', for the SIMD matmul tile).
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";
// Stricter still, on the `nowasm` page: no WebAssembly compilation either.
const CSP_NO_WASM = "default-src 'self'; script-src 'self'";
// The ONNX Runtime Web page: WebAssembly compilation ('wasm-unsafe-eval') and nothing more than 'self'.
const CSP_ORT = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";
const ortHtml = `<!doctype html>
<html><head><meta charset="utf-8"><title>chainrule and ONNX Runtime Web</title>
<script src="/instrument.js"></script>
<script type="module" src="/ort-bundle.js"></script>
</head><body>chainrule exports, ONNX Runtime Web runs</body></html>`;
const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>chainrule browser smoke</title>
<script src="/instrument.js"></script>
<script type="module" src="/bundle.js"></script>
</head><body>chainrule browser smoke test</body></html>`;

const server = createServer((req, res) => {
  const { pathname: path, searchParams } = new URL(req.url ?? '/', 'http://127.0.0.1');
  const send = (type, body, csp = CSP) => res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'content-security-policy': csp }).end(body);
  if (path === '/') send('text/html', html, searchParams.get('mode') === 'nowasm' ? CSP_NO_WASM : CSP);
  else if (path === '/instrument.js') send('text/javascript', instrument);
  else if (path === '/bundle.js') send('text/javascript', js);
  else if (path === '/ort.html') send('text/html', ortHtml, CSP_ORT);
  else if (path === '/threads.html' || Object.hasOwn(threadsJs, path)) {
    const isolated = path !== '/threads.html' || searchParams.get('mode') === 'threads';
    const type = path === '/threads.html' ? 'text/html' : 'text/javascript';
    res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'content-security-policy': CSP, ...(isolated ? ISOLATION : {}) })
      .end(path === '/threads.html' ? threadsHtml : threadsJs[path]);
  }
  else if (path === '/ort-bundle.js') send('text/javascript', ortJs, CSP_ORT);
  else if (path.startsWith('/ort-dist/') && Object.hasOwn(ORT_FILES, path.slice(10))) {
    res.writeHead(200, { 'content-type': ORT_FILES[path.slice(10)], 'content-security-policy': CSP_ORT }).end(readFileSync(join(ORT_DIST, path.slice(10))));
  }
  else if (path === '/favicon.ico') res.writeHead(204, { 'content-security-policy': CSP }).end();
  else res.writeHead(404, { 'content-security-policy': CSP }).end();
});
await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/`;

/** Opens the page in `mode`, waits for its checks, and returns them with what the browser reported. */
async function visit(context, mode) {
  const page = await context.newPage();
  const errors = [];
  const requests = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console.error: ${m.text()}`); });
  page.on('request', (r) => requests.push(r.url()));
  try {
    await page.goto(mode === 'ort' ? `${url}ort.html` : mode.startsWith('threads') ? `${url}threads.html?mode=${mode}` : `${url}?mode=${mode}`);
    await page.waitForFunction(() => window.__smoke !== undefined, null, { timeout: TIMEOUT_MS });
    // securitypolicyviolation events are dispatched as tasks: give late ones time to arrive.
    await page.waitForTimeout(200);
    const { checks, info } = await page.evaluate(() => window.__smoke);
    const violations = await page.evaluate(() => window.__cspViolations ?? null);
    return { checks, info, errors, violations, requests };
  } finally {
    await page.close();
  }
}

const userDataDir = mkdtempSync(join(tmpdir(), 'chainrule-chromium-'));
let context;
let ok = false;
const started = Date.now();
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    timeout: 60_000,
  });
  const browserVersion = context.browser()?.version() ?? '(unknown)';
  console.log(`browser smoke test of the built @chainrule/core (${bundle.outputFiles[0].contents.length} byte bundle, served at ${url})`);
  console.log(`  chromium ${browserVersion} via playwright-core, ${FLAGS.join(' ')}`);
  console.log(`  Content-Security-Policy: ${CSP}`);
  let failed = 0;
  let total = 0;
  const results = {};
  for (const mode of ['simd', 'js', 'nowasm', 'refusal', 'ort', 'threads', 'threads-unisolated']) {
    const t0 = Date.now();
    const r = await visit(context, mode);
    results[mode] = r;
    console.log(`  page ?mode=${mode} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    const own = [...r.checks];
    if (r.violations === null) own.push({ name: 'the instrument script ran (CSP violations observable)', ok: false, detail: '/instrument.js did not run' });
    else if (mode === 'refusal' || mode === 'nowasm') {
      // These pages provoke one kind of violation each, blocked by script-src: ndarray's new Function
      // (eval), or compiling the SIMD tile (wasm-eval). Seeing it shows the policy is enforced and observed.
      const blocked = mode === 'refusal' ? 'eval' : 'wasm-eval';
      const expected = r.violations.filter((v) => v.blocked === blocked && v.directive.startsWith('script-src'));
      own.push({
        name: `the CSP refused ${blocked} and the page reported it, and nothing else`,
        ok: expected.length > 0 && expected.length === r.violations.length,
        detail: JSON.stringify(r.violations),
      });
    } else {
      own.push({ name: 'no Content-Security-Policy violation', ok: r.violations.length === 0, detail: r.violations.length === 0 ? '' : JSON.stringify(r.violations) });
    }
    if (mode === 'ort') {
      const away = r.requests.filter((u) => !u.startsWith(url));
      own.push({ name: `every request of the page went to ${url} (${r.requests.length} requests, no network)`, ok: away.length === 0, detail: away.join(' ') });
    }
    for (const e of r.errors) own.push({ name: e, ok: false });
    for (const c of own) console.log(`    ${c.ok ? 'PASS' : 'FAIL'}  ${c.name}${c.detail ? `: ${c.detail}` : ''}`);
    total += own.length;
    failed += own.filter((c) => !c.ok).length;
  }
  console.log(`  navigator.userAgent: ${results.simd.info.userAgent}`);
  const ortInfo = results.ort.info;
  if (ortInfo.ms !== undefined) {
    console.log(`  ONNX Runtime Web ${ortInfo.ortVersion} (WebAssembly backend, 1 thread, crossOriginIsolated ${ortInfo.crossOriginIsolated}): ` +
      `${Object.keys(ortInfo).filter((k) => k.startsWith('ms ')).length} models in ${(ortInfo.ms / 1000).toFixed(1)} s, page policy: ${CSP_ORT}`);
  }
  const threadsInfo = results.threads.info;
  if (threadsInfo.stats !== undefined) {
    console.log(`  threads in a Web Worker of an isolated page: core's matmul worker ready after ${threadsInfo.workerStartMs} ms, ` +
      `computed ${threadsInfo.stats.workerChunks} of ${threadsInfo.stats.chunks} chunks (informational)`);
  }
  const ms = (m) => results[m].info.ms256;
  if (ms('simd') !== undefined && ms('js') !== undefined) {
    console.log(`  256x256 forward+backward: ${ms('simd').toFixed(1)} ms with the SIMD tile, ${ms('js').toFixed(1)} ms with the JavaScript tile (best of 3 each, informational)`);
  }
  ok = total > 0 && failed === 0;
  const seconds = `${((Date.now() - started) / 1000).toFixed(1)} s with the browser start`;
  console.log(ok ? `browser smoke test passed: ${total} checks (${seconds})` : `browser smoke test FAILED: ${failed} of ${total} checks failed (${seconds})`);
} catch (e) {
  console.error(`browser smoke test FAILED: ${e && e.stack ? e.stack : e}`);
} finally {
  if (context) await context.close().catch(() => {});
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(userDataDir, { recursive: true, force: true });
}
process.exitCode = ok ? 0 : 1;
