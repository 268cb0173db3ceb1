#!/usr/bin/env node
// The one test command (`pnpm test`): build every package with tsc -b (the published output),
// type-check sources and tests, run the vitest suite, run the built output under plain node, and
// compare values and gradients with PyTorch (`pnpm run test:torch`).
// Ends with the line CI reads: `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const report = '.vitest-report.json';
let failed = 0;
let passed = 0;

function step(title, cmd, args) {
  console.log(`\n== ${title}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', shell: false });
  return r.status === 0;
}

// 1. Build: the packages as a consumer gets them.
const built = step('build', 'pnpm', ['run', 'build']);
if (!built) failed++;
else passed++;

// 2. Type-check sources and tests (vitest does not type-check).
if (step('typecheck', 'pnpm', ['run', 'typecheck'])) passed++;
else failed++;

// 3. The vitest suite, counted from its JSON report (a file that fails to import counts as failed).
rmSync(report, { force: true });
step('vitest', 'pnpm', ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${report}`]);
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  for (const file of r.testResults) if (file.status === 'failed' && file.assertionResults.length === 0) failed++;
} else {
  console.error('vitest wrote no report');
  failed++;
}

// 4. The built packages under plain node, as an outside consumer imports them.
// The consumer example imports @chainrule/core and @chainrule/nn by package name from dist/.
if (built) {
  if (step('built core under plain node', 'node', ['scripts/smoke-dist.mjs'])) passed++;
  else failed++;
  if (step('consumer example under plain node', 'node', ['packages/examples/dist/consumer.js'])) passed++;
  else failed++;
}

// 5. The differential test against PyTorch float64 (scripts/torch/): one check. It runs the sources,
// so it does not need the build; it installs Debian's python3-torch when missing.
if (step('differential test against PyTorch', 'pnpm', ['run', 'test:torch'])) passed++;
else failed++;

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
