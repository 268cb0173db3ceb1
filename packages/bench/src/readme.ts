/**
 * Writes the benchmark section of the root README.md between `<!-- bench:start -->` and
 * `<!-- bench:end -->`, adding a "## Benchmarks" heading and the markers at the end when missing.
 * Nothing outside the markers changes.
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** The opening marker. */
export const START = '<!-- bench:start -->';
/** The closing marker. */
export const END = '<!-- bench:end -->';

/**
 * `readme` with the text between the markers replaced by `body` (markers added at the end, under a
 * "## Benchmarks" heading, when absent).
 * @example
 * ```ts
 * spliceBenchSection('# x\n', 'table'); // '# x\n\n## Benchmarks\n\n<!-- bench:start -->\ntable\n<!-- bench:end -->\n'
 * ```
 */
export function spliceBenchSection(readme: string, body: string): string {
  const s = readme.indexOf(START);
  const e = readme.indexOf(END);
  if (s >= 0 && e > s) return `${readme.slice(0, s + START.length)}\n${body}\n${readme.slice(e)}`;
  const sep = readme.endsWith('\n') ? '\n' : '\n\n';
  return `${readme}${sep}## Benchmarks\n\n${START}\n${body}\n${END}\n`;
}

/**
 * Rewrites the README at `path` with `body` between the markers.
 * @example
 * ```ts
 * writeReadme('README.md', markdownTable(rows));
 * ```
 */
export function writeReadme(path: string, body: string): void {
  writeFileSync(path, spliceBenchSection(readFileSync(path, 'utf8'), body));
}
