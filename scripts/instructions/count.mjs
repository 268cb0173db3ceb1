// Instructions per step of W1 or W5, counted by valgrind's callgrind: deterministic where wall-clock
// time on a shared machine moves by 20-40%. The count is (Ir(n2) − Ir(n1)) / (n2 − n1), so start-up
// and compilation before n1 cancel out; V8 runs single-threaded so its compiler is counted too.
//   node scripts/instructions/count.mjs [tree] [w1|w5|w5-warm|w1-cold]
// tree: a checkout with packages/core built (default: this one). Needs valgrind; takes 1-3 minutes.
// The last stop's note used it for before/after figures (2b94dbd against main).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const tree = path.resolve(process.argv[2] ?? path.join(here, '..', '..'));
const kind = process.argv[3] ?? 'w1';
const plan = { w1: ['w1', 3000, 9000, 0], 'w1-cold': ['w1', 1, 10001, 0], w5: ['w5', 50000, 150000, 0], 'w5-warm': ['w5', 100000, 300000, 3000] }[kind];
if (plan === undefined) throw new Error(`count.mjs: unknown workload ${kind}; expected w1, w1-cold, w5 or w5-warm`);
const [workload, n1, n2, warm] = plan;

function instructions(n) {
  const args = ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, '--single-threaded', path.join(here, 'workload.mjs'), tree, workload, String(n), String(warm)];
  const run = spawnSync('valgrind', args, { encoding: 'utf8' });
  const out = `${run.stdout ?? ''}${run.stderr ?? ''}`; // callgrind reports on stderr
  if (run.error !== undefined || !/Collected : \d+/.test(out)) {
    throw new Error(`count.mjs: valgrind gave no count (is it installed?): ${String(run.error?.message ?? out.slice(-300))}`);
  }
  return Number(/Collected : (\d+)/.exec(out)?.[1]);
}

const [a, b] = [instructions(n1), instructions(n2)];
const per = (b - a) / (n2 - n1);
console.log(`${tree} ${kind}: ${Math.round(per)} instructions per ${workload === 'w1' ? 'step' : 'add'} (steps ${n1} to ${n2})`);
