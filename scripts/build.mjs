#!/usr/bin/env node
// Builds every workspace package (packages/*/tsconfig.json) with one `tsc -b`, which follows the
// project references, so each package is compiled after the packages it imports.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const projects = readdirSync('packages')
  .map((name) => `packages/${name}`)
  .filter((dir) => existsSync(`${dir}/tsconfig.json`) && existsSync(`${dir}/src`) && readdirSync(`${dir}/src`).length > 0);
const r = spawnSync('pnpm', ['exec', 'tsc', '-b', ...projects], { stdio: 'inherit' });
process.exit(r.status ?? 1);
