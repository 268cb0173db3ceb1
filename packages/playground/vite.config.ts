// The playground is a static site: `pnpm playground` serves it with Vite's dev server, `pnpm run
// build:playground` writes it to packages/playground/dist. It imports @chainrule/core and
// @chainrule/nn by name, resolved to their TypeScript sources (the workspace's custom condition),
// so neither needs a build first.
import { defaultClientConditions, defineConfig } from 'vite';

export default defineConfig({
  // relative URLs: the built site works from any folder of any static file server
  base: './',
  resolve: { conditions: ['@chainrule/source', ...defaultClientConditions] },
  build: {
    // NOTE: Vite inlines small assets as data: URLs by default; the Content-Security-Policy the
    // site must work under (default-src 'self') refuses data: fonts and fetches, so nothing is inlined.
    assetsInlineLimit: 0,
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
