#!/usr/bin/env node
// Builds every workspace package (packages/*/tsconfig.json) with one `tsc -b`, which follows the
// project references, so each package is compiled after the packages it imports. Then removes what
// an incremental build leaves behind from deleted sources (dist/x.js, .d.ts and maps whose src/x.ts
// is gone), so a packed tarball never ships a module nothing compiles any more.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const projects = readdirSync('packages')
  .map((name) => `packages/${name}`)
  .filter((dir) => existsSync(`${dir}/tsconfig.json`) && existsSync(`${dir}/src`) && readdirSync(`${dir}/src`).length > 0);
const r = spawnSync('pnpm', ['exec', 'tsc', '-b', ...projects], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);

const OUTPUT = /\.(js|d\.ts)(\.map)?$/;
for (const dir of projects) {
  const dist = join(dir, 'dist');
  if (!existsSync(dist)) continue;
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (OUTPUT.test(name)) {
        const source = join(dir, 'src', relative(dist, path).replace(OUTPUT, '.ts'));
        if (!existsSync(source)) {
          rmSync(path);
          console.log(`build: removed ${path} (its source ${source} no longer exists)`);
        }
      }
    }
  };
  walk(dist);
}
