import { defineConfig } from 'vitest/config';

// Tests import workspace packages by name; the custom condition resolves them to their TypeScript
// sources, so tests need no build. vitest runs files in SSR mode, hence ssr.resolve.conditions.
export default defineConfig({
  ssr: { resolve: { conditions: ['@chainrule/source'] } },
  resolve: { conditions: ['@chainrule/source'] },
  test: {
    include: ['packages/*/src/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
  },
});
