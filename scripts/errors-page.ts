// `pnpm run docs:errors`: writes docs/errors.md, the errors page, from the examples in
// packages/core/src/test-utils/error-examples.ts. It runs every example first and writes nothing if
// one no longer throws its class with its message (then correct the example, not the page).
// packages/core/src/errors.test.ts fails whenever docs/errors.md differs from what this writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_EXAMPLES, messagePattern, renderErrorsPage, runExample } from '../packages/core/src/test-utils/error-examples.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let stale = 0;
for (const example of ERROR_EXAMPLES) {
  const thrown = runExample(example);
  const ok = thrown instanceof example.cls && thrown.constructor.name === example.name && messagePattern(example).test(thrown.message);
  if (!ok) {
    stale++;
    const got = thrown instanceof Error ? `${thrown.constructor.name}: ${thrown.message}` : `no error (${String(thrown)})`;
    console.error(`errors-page: the ${example.name} example now throws\n  ${got}\nexpected\n  ${example.name}: ${example.message}`);
  }
}
if (stale > 0) process.exit(1);
mkdirSync(join(root, 'docs'), { recursive: true });
writeFileSync(join(root, 'docs/errors.md'), renderErrorsPage());
console.log(`errors-page: wrote docs/errors.md (${ERROR_EXAMPLES.length} error classes)`);
