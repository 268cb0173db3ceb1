#!/usr/bin/env node
// Runs the built @chainrule/core in a real browser (`pnpm run test:browser`): bundles
// scripts/browser-smoke-entry.js with esbuild, serves it on 127.0.0.1, opens it in Debian's headless
// Chromium through playwright-core, and prints every check the page made (the article's 2-2-2
// network, a 256×256 matmul forward and backward bit for bit against naive loops, once with the
// WebAssembly SIMD tile and once with the JavaScript tile, and a gradcheck). Exits 0 only if every
// check passed. Not part of `pnpm test` or CI: it needs Chromium.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
if (!existsSync(coreEntry)) {
  console.error(`browser smoke test: ${coreEntry} is missing; run pnpm run build first`);
  process.exit(2);
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

// Before the bundle: wrap WebAssembly.Instance so calls to the SIMD matmul tile's export `mk` are
// counted (the wrapper passes everything through; core itself is not modified).
const html = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>chainrule browser smoke</title>
<script>
  globalThis.__simdTileCalls = 0;
  WebAssembly.Instance = new Proxy(WebAssembly.Instance, {
    construct(target, args, newTarget) {
      const inst = Reflect.construct(target, args, newTarget);
      const { mk, mem } = inst.exports;
      if (typeof mk !== 'function' || mem === undefined) return inst;
      return { exports: { mem, mk(...a) { globalThis.__simdTileCalls++; return mk(...a); } } };
    },
  });
</script>
<script type="module" src="/bundle.js"></script>
</head><body>chainrule browser smoke test</body></html>`;

const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
  if (path === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  else if (path === '/bundle.js') res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(js);
  else res.writeHead(404).end();
});
await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/`;

const userDataDir = mkdtempSync(join(tmpdir(), 'chainrule-chromium-'));
let context;
let ok = false;
const pageErrors = [];
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    timeout: 60_000,
  });
  const browserVersion = context.browser()?.version() ?? '(unknown)';
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`console.error: ${m.text()}`); });
  await page.goto(url);
  await page.waitForFunction(() => window.__smoke !== undefined, null, { timeout: TIMEOUT_MS });
  const { checks, info } = await page.evaluate(() => window.__smoke);

  console.log(`browser smoke test of the built @chainrule/core (${bundle.outputFiles[0].contents.length} byte bundle, served at ${url})`);
  console.log(`  chromium ${browserVersion} via playwright-core, ${FLAGS.join(' ')}`);
  console.log(`  navigator.userAgent: ${info.userAgent}`);
  console.log(`  WebAssembly SIMD available: ${info.simdAvailable ? 'yes' : 'no'}; used by matmul: ${info.simdUsed ? 'yes' : 'no'}` +
    ` (SIMD tile calls in the 256x256 forward+backward: ${info.simdTileCalls})`);
  if (info.msSimd !== undefined && info.msJs !== undefined) {
    console.log(`  256x256 forward+backward: ${info.msSimd.toFixed(1)} ms with the SIMD tile, ${info.msJs.toFixed(1)} ms with the JavaScript tile (best of 3 each, informational)`);
  }
  for (const c of checks) console.log(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name}${c.detail ? `: ${c.detail}` : ''}`);
  for (const e of pageErrors) console.log(`  FAIL  ${e}`);
  const failed = checks.filter((c) => !c.ok).length + pageErrors.length;
  ok = checks.length > 0 && failed === 0;
  console.log(ok ? `browser smoke test passed: ${checks.length} checks` : `browser smoke test FAILED: ${failed} of ${checks.length + pageErrors.length} checks failed`);
} catch (e) {
  console.error(`browser smoke test FAILED: ${e && e.stack ? e.stack : e}`);
  for (const err of pageErrors) console.error(`  ${err}`);
} finally {
  if (context) await context.close().catch(() => {});
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(userDataDir, { recursive: true, force: true });
}
process.exitCode = ok ? 0 : 1;
