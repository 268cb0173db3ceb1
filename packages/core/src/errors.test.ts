/**
 * The errors page (docs/errors.md) is true: every error class chainrule throws has an example, each
 * example's code throws that class with exactly that message, and the page is what the script writes.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as core from './index.js';
import { ERROR_EXAMPLES, messagePattern, renderErrorsPage, runExample } from './test-utils/error-examples.js';

const here = dirname(fileURLToPath(import.meta.url));
const pagePath = join(here, '../../../docs/errors.md');

/** Every .ts file under core's src that ships (not tests, not test-utils). */
function sourceFiles(dir = here): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return d.name === 'test-utils' ? [] : sourceFiles(p);
    return d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [p] : [];
  });
}

describe('the errors page', () => {
  for (const example of ERROR_EXAMPLES) {
    it(`${example.name}: the example throws it, with exactly the message on the page`, () => {
      const thrown = runExample(example) as Error | undefined;
      expect(thrown, `the ${example.name} example threw nothing`).toBeInstanceOf(example.cls);
      expect(thrown!.constructor.name).toBe(example.name);
      expect(thrown!.name).toBe(example.name);
      expect(thrown!.message).toMatch(messagePattern(example));
    });
  }

  it('has one example per error class: every Error subclass core exports, and every class its sources throw', () => {
    const exported = Object.entries(core)
      .filter(([, v]) => typeof v === 'function' && v.prototype instanceof Error)
      .map(([name]) => name);
    const thrown = new Set<string>();
    for (const file of sourceFiles()) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bnew ([A-Z]\w*Error)\(/g)) thrown.add(m[1]);
    }
    expect(thrown.size).toBeGreaterThan(5); // the scan found the sources
    const documented = ERROR_EXAMPLES.map((e) => e.name);
    expect(new Set(documented).size, 'one example per class').toBe(documented.length);
    for (const name of [...exported, ...thrown]) expect(documented, `${name} has no example in test-utils/error-examples.ts`).toContain(name);
  });

  it('docs/errors.md is what scripts/errors-page.ts writes (run `pnpm run docs:errors` after changing an example)', () => {
    expect(readFileSync(pagePath, 'utf8')).toBe(renderErrorsPage());
  });
});
