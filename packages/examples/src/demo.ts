/**
 * `pnpm demo`: the article (../shared/seed) reproduced end to end with @chainrule/core and
 * @chainrule/nn. Every printed figure beside chainrule's autodiff value, a hand-written backprop,
 * central finite differences and a match mark at the article's precision; the chain-rule
 * derivations from `explain`; 10,000 training steps; and every slip with its cause.
 * `--json` prints the same data as JSON; `--graph FILE.svg` also writes the article's graph, with
 * values and gradients, as an SVG picture (`pnpm demo -- --graph article.svg`).
 * @module
 */
import { writeFileSync } from 'node:fs';
import { articleGraphSvg } from './article/graph.js';
import { reproduceArticle, type Reproduction } from './article/reproduce.js';

const tty = process.stdout.isTTY === true;
const paint = (code: string) => (s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
const green = paint('32'), red = paint('31'), bold = paint('1'), dim = paint('2');

/** Formats the reproduction as aligned text. */
export function renderText(r: Reproduction): string {
  const out: string[] = [];
  const num = (v: number | null) => (v === null ? '' : v.toFixed(12));
  const header = ['quantity', 'article', 'chainrule (autodiff)', 'by hand', 'finite diff.', 'match'];
  const table = r.rows.map((row) => [row.label, row.printed, num(row.chainrule), num(row.byHand), num(row.finiteDiff), row.match ? 'yes' : 'NO: slip']);
  const widths = header.map((h, c) => Math.max(h.length, ...table.map((t) => t[c].length)));
  const cell = (s: string, c: number) => (c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c]));
  out.push(bold('The article reproduced: a 2-2-2 sigmoid network, E = Σ ½(target − out)², η = 0.5, biases frozen'), '');
  out.push(bold(header.map(cell).join('  ')));
  let section = '';
  r.rows.forEach((row, k) => {
    if (row.section !== section) {
      section = row.section;
      out.push(dim(`-- ${section}`));
    }
    const line = table[k].map(cell).join('  ');
    out.push(row.match ? line.replace(/yes$/, green('yes')) : line.replace(/NO: slip$/, red('NO: slip')));
  });
  out.push('', bold('The chain rule, as explain() derives it from the recorded graph'));
  for (const d of r.derivations) out.push(d.text, '');
  out.push(bold('Training: 10,000 steps of SGD (lr 0.5, biases frozen)'));
  out.push(`${'step'.padStart(6)}  ${'E_total, chainrule'.padStart(22)}  ${'E_total, by hand'.padStart(22)}`);
  for (const t of r.training) out.push(`${String(t.step).padStart(6)}  ${t.chainrule.toExponential(15).padStart(22)}  ${t.byHand.toExponential(15).padStart(22)}`);
  const [o1, o2] = r.finalOutputs;
  out.push(`outputs after 10,000 steps: [${o1.toFixed(9)}, ${o2.toFixed(9)}]   article: [0.015912196, 0.984065734]`);
  out.push(`E_total after 10,000 steps: ${r.training[r.training.length - 1].chainrule.toFixed(9)}   article: 0.000035085`, '');
  out.push(bold(`Slips: ${r.slips.length} printed figures do not follow from the article's stated rules`));
  for (const s of r.slips) {
    out.push('', `${red('✗')} ${bold(s.key)}: printed ${s.printed}, correct ${s.correct.toFixed(12)}`);
    out.push(`  cause: ${s.cause}`);
    out.push(`  reproduced by: ${s.computation}`);
    out.push(`  why it matters: ${s.why}`);
    out.push('  hypotheses tested:');
    for (const h of s.hypotheses) out.push(`    ${h.reproduces ? green('reproduces') : dim('no        ')}  ${h.value.toFixed(12).padStart(16)}  ${h.rule}`);
  }
  out.push('', `Also: the listed Python code trains toward [0.01, 0.09], not [0.01, 0.99]; run as written, its last line is "${r.pythonLastLine}".`);
  return out.join('\n');
}

/** Runs the demo: text, or JSON with `--json`; `--graph FILE` writes the article's graph as SVG. */
export function main(argv: readonly string[] = process.argv.slice(2)): void {
  const g = argv.indexOf('--graph');
  if (g >= 0) {
    const file = argv[g + 1];
    if (file === undefined || file.startsWith('--')) throw new Error('demo: --graph needs a file name, e.g. --graph article.svg');
    writeFileSync(file, articleGraphSvg());
    console.error(`demo: wrote the article's graph to ${file}`);
  }
  const r = reproduceArticle();
  if (argv.includes('--json')) console.log(JSON.stringify(r, null, 2));
  else console.log(renderText(r));
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) main();
