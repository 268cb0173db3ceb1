/**
 * `pnpm run test:torch`: the differential test of chainrule against PyTorch float64.
 *
 * Builds the deterministic case list (cases.ts), runs every case with chainrule
 * (chainrule-runner.ts), sends all of them to ONE PyTorch process (reference.py, JSON in and out,
 * no network), and compares values and gradients (compare.ts). Prints the counts, the largest
 * relative difference and every mismatch; exits 1 on any mismatch.
 *
 * Options: `--only <text>` runs only the cases whose name contains the text.
 * Installs Debian's python3-torch first when `/usr/bin/python3 -c 'import torch'` fails.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildCases } from './cases.js';
import { runChainrule } from './chainrule-runner.js';
import { ATOL, RTOL, Tally, compareCase } from './compare.js';
import { ALL_ROWS } from './ops.js';
import type { Outcome } from './program.js';

// Debian's interpreter, which has python3-torch; the `python3` first on PATH may be another one.
const PYTHON = '/usr/bin/python3';
const REFERENCE = fileURLToPath(new URL('./reference.py', import.meta.url));

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

function hasTorch(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

function ensureTorch(): void {
  if (hasTorch()) return;
  const start = performance.now();
  console.log('test:torch: PyTorch is missing; installing python3-torch with apt-get');
  const r = spawnSync('sh', ['-c', 'apt-get update && apt-get install -y --no-install-recommends python3-torch'], { stdio: 'inherit' });
  if (r.status !== 0 || !hasTorch()) {
    console.error(`test:torch: could not install python3-torch (apt-get exit status ${r.status}); ${PYTHON} still cannot import torch`);
    process.exit(1);
  }
  console.log(`test:torch: installed python3-torch in ${seconds(start)}`);
}

function main(): void {
  const start = performance.now();
  ensureTorch();
  const args = process.argv.slice(2);
  const onlyAt = args.indexOf('--only');
  const filter = onlyAt >= 0 ? args[onlyAt + 1] : undefined;
  const cases = buildCases().filter((c) => filter === undefined || c.name.includes(filter));
  if (cases.length === 0) {
    console.error(`test:torch: no case name contains ${JSON.stringify(filter)}`);
    process.exit(1);
  }

  const ourStart = performance.now();
  const ours = cases.map((c) => runChainrule(c.program)); // also fills each training run's initial weights
  const ourTime = seconds(ourStart);

  const refStart = performance.now();
  const request = JSON.stringify({ ops: Object.fromEntries(ALL_ROWS.map((r) => [r.name, r.torch])), cases });
  const py = spawnSync(PYTHON, [REFERENCE], { input: request, maxBuffer: 1 << 30, encoding: 'utf8' });
  if (py.status !== 0) {
    console.error(`test:torch: reference.py failed (exit status ${py.status}):\n${py.stderr}`);
    process.exit(1);
  }
  const reply = JSON.parse(py.stdout) as { torch: string; outcomes: Outcome[] };
  const refTime = seconds(refStart);
  if (reply.outcomes.length !== cases.length) {
    console.error(`test:torch: reference.py returned ${reply.outcomes.length} outcomes for ${cases.length} cases`);
    process.exit(1);
  }

  const tally = new Tally();
  cases.forEach((c, i) => compareCase(c, ours[i], reply.outcomes[i], tally));

  const failedCases = [...new Set(tally.mismatches.map((m) => m.caseName))];
  if (tally.mismatches.length > 0) {
    console.log(`\nMismatches (${tally.mismatches.length} in ${failedCases.length} cases):`);
    for (const name of failedCases) {
      const list = tally.mismatches.filter((m) => m.caseName === name);
      console.log(`  ${name}${list[0].known ? `  [known: ${list[0].known}]` : ''}`);
      for (const m of list) console.log(`    ${m.key}: ${m.detail}`);
    }
  }
  console.log(
    `\ntest:torch: ${tally.graphs} graphs, ${tally.trainingRuns} training runs, ${tally.modulePrograms} module programs, ${tally.schedules} learning-rate schedules and ${tally.clips} clippings ` +
      `compared against PyTorch ${reply.torch} (float64): ` +
      `${tally.values} values and ${tally.gradients} gradients, tolerance ${RTOL} relative + ${ATOL} absolute`,
  );
  console.log(`largest relative difference: ${tally.maxRelative.toExponential(2)} (${tally.maxRelativeWhere || 'none'})`);
  if (tally.loosened > 0) {
    console.log(`${tally.loosened} numbers compared with a looser tolerance, for the reasons stated in cases.ts and ops.ts; largest relative difference among them ${tally.maxRelativeLoosened.toExponential(2)}`);
  }
  console.log(`time: chainrule ${ourTime}, PyTorch ${refTime}, total ${seconds(start)}`);
  if (failedCases.length > 0) {
    const known = failedCases.filter((n) => cases.find((c) => c.name === n)?.known !== undefined).length;
    console.log(`FAILED: ${failedCases.length} of ${cases.length} cases differ from PyTorch (${known} of them known disagreements)`);
    process.exit(1);
  }
  console.log(`OK: all ${cases.length} cases agree with PyTorch`);
}

main();
