#!/usr/bin/env node
// The one test command (`pnpm test`): build every package with tsc -b (the published output),
// type-check sources and tests, run the vitest suites (core's and nn's with code generation from
// strings refused), run the built output under plain node, with code generation refused, and as a
// stranger installs it from the packed tarballs, and run the built core and the playground in headless
// Chromium under a strict Content-Security-Policy. Ends with the line CI reads: `N passed, N failed, N skipped`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const NO_CODEGEN = '--disallow-code-generation-from-strings';
const CHROMIUM = '/usr/bin/chromium';
let failed = 0;
let passed = 0;
let skipped = 0;
const timings = [];

function step(title, cmd, args, env = {}) {
  console.log(`\n== ${title}: ${cmd} ${args.join(' ')}`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: false, env: { ...process.env, ...env } });
  timings.push(`${title}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return r.status === 0;
}

function counted(title, cmd, args, env) {
  if (step(title, cmd, args, env)) passed++;
  else failed++;
}

/** A vitest run counted from its JSON report (a file that fails to import counts as failed). */
function vitest(title, filters, { execArgv = [], env = {} } = {}) {
  const report = `.vitest-report-${title.replace(/\W+/g, '-')}.json`;
  rmSync(report, { force: true });
  const args = ['exec', 'vitest', 'run', ...filters, ...execArgv.map((a) => `--execArgv=${a}`), '--reporter=default', '--reporter=json', `--outputFile=${report}`];
  step(title, 'pnpm', args, env);
  if (!existsSync(report)) {
    console.error(`${title}: vitest wrote no report`);
    failed++;
    return;
  }
  const r = JSON.parse(readFileSync(report, 'utf8'));
  rmSync(report, { force: true });
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  for (const file of r.testResults) if (file.status === 'failed' && file.assertionResults.length === 0) failed++;
}

// 1. Build: the packages as a consumer gets them.
const built = step('build', 'pnpm', ['run', 'build']);
if (built) passed++;
else failed++;

// 2. Type-check sources and tests (vitest does not type-check).
counted('typecheck', 'pnpm', ['run', 'typecheck']);

// 3. The vitest suites. Core's and nn's run with code generation from strings refused, as under a
// strict Content-Security-Policy (vitest and vite themselves run fine so: they compile test files
// through node's vm module, which the flag does not govern, but every new Function/eval in the code
// under test throws). CHAINRULE_EXPECT_NO_CODEGEN lets a test check that the flag reached the workers.
// The rest (examples, bench) and the ndarray interop's own tests, whose other half needs ndarray's
// generated code, run as usual; each file runs once, so this costs one vitest start-up more.
vitest('vitest core and nn, code generation refused', ['packages/core/', 'packages/nn/'], {
  execArgv: [NO_CODEGEN],
  env: { CHAINRULE_EXPECT_NO_CODEGEN: '1' },
});
vitest('vitest examples, bench, playground and the ndarray interop', ['packages/examples/', 'packages/bench/', 'packages/playground/', 'packages/core/src/ndarray-interop.test.ts']);

// 4. The built packages under plain node, as an outside consumer imports them, then with code
// generation refused, then packed, installed into a fresh project and compiled with strict tsc.
if (built) {
  counted('built core under plain node', 'node', ['scripts/smoke-dist.mjs']);
  counted('consumer example under plain node', 'node', ['packages/examples/dist/consumer.js']);
  counted('built core and nn with code generation refused', 'node', [NO_CODEGEN, 'scripts/smoke-no-codegen.mjs']);
  counted('packed tarballs in a fresh project, strict tsc', 'node', ['scripts/pack-consumer.mjs']);
}

// 5. The differential test against PyTorch float64 (scripts/torch/): one check. It runs the sources,
// so it does not need the build; it installs Debian's python3-torch when missing.
counted('differential test against PyTorch', 'pnpm', ['run', 'test:torch']);

// 5b. The hand-off (scripts/handoff/): ONNX files run by ONNX Runtime and checked by onnx.checker,
// safetensors and ONNX both ways with PyTorch. One check; it runs the sources, so it does not need the build.
counted('hand-off against ONNX Runtime and PyTorch', 'pnpm', ['run', 'test:handoff']);

// 5. The built core in headless Chromium under a strict Content-Security-Policy. CI (.ci/run) installs
// Chromium and sets CHAINRULE_REQUIRE_BROWSER=1, so there a missing browser fails; on a machine without
// Chromium the step is skipped, loudly.
// Then the playground (packages/playground), built with Vite and driven as a reader would, under
// the policy of issue 10 (scripts/browser-playground.mjs; screenshots in test-artifacts/playground/).
if (built) {
  for (const [title, script] of [['browser under a strict CSP', 'scripts/browser-smoke.mjs'], ['playground in the browser under its CSP', 'scripts/browser-playground.mjs']]) {
    if (existsSync(CHROMIUM)) counted(title, 'node', [script]);
    else if (process.env.CHAINRULE_REQUIRE_BROWSER === '1') {
      console.error(`\n== ${title}: ${CHROMIUM} is missing (CHAINRULE_REQUIRE_BROWSER=1)`);
      failed++;
    } else {
      console.warn(`\n== ${title}: SKIPPED, ${CHROMIUM} not found ` +
        '(apt-get update && apt-get install -y --no-install-recommends chromium)');
      skipped++;
    }
  }
}

console.log(`\n${timings.join('\n')}`);
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed === 0 ? 0 : 1);
