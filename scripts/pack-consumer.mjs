#!/usr/bin/env node
// The published shape, checked as a stranger gets it (`node scripts/pack-consumer.mjs`, after a build):
// 1. `pnpm pack` @chainrule/core and @chainrule/nn into a temporary directory outside the workspace;
// 2. check the tarballs: README.md, LICENSE and package.json present; no tests, test helpers or
//    build-info; every source map's sources inside the tarball; no `workspace:` range left; nn takes
//    core as a peer dependency;
// 3. in a fresh project there, `pnpm add` both tarballs plus typescript and @types/node, offline (from
//    the pnpm store the workspace install filled: nothing is downloaded);
// 4. compile with strict tsc, noUncheckedIndexedAccess, exactOptionalPropertyTypes and skipLibCheck
//    off: scripts/consumer/main.ts, the TypeScript examples of both packages' READMEs (as shipped in
//    the tarballs), and the example files whose code the root README shows (custom-layer.ts and
//    readme-network.ts, kept identical to it by packages/examples/src/readme-network.test.ts);
// 5. run each compiled file with node.
// Exits 0 only if every check passed; prints what failed.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const PACKAGES = ['core', 'nn'];
const problems = [];
const started = Date.now();

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const work = mkdtempSync(join(tmpdir(), 'chainrule-pack-'));
try {
  // 1. Pack.
  const tarballs = {};
  for (const name of PACKAGES) {
    const before = new Set(readdirSync(work));
    run('pnpm', ['pack', '--pack-destination', work], join(root, 'packages', name));
    const made = readdirSync(work).filter((f) => f.endsWith('.tgz') && !before.has(f));
    if (made.length !== 1) throw new Error(`pnpm pack in packages/${name} made ${made.length} tarballs`);
    tarballs[name] = join(work, made[0]);
  }

  // 2. Check their contents.
  const manifests = {};
  for (const [name, tarball] of Object.entries(tarballs)) {
    const files = new Set(run('tar', ['-tzf', tarball], work).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, '')));
    const unpacked = join(work, `unpacked-${name}`);
    mkdirSync(unpacked);
    run('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1'], work);
    for (const required of ['README.md', 'LICENSE', 'package.json']) {
      if (!files.has(required)) problems.push(`${name}: the tarball has no ${required}`);
    }
    for (const f of files) {
      if (/\.test\.(ts|js)$|test-utils\/|\.tsbuildinfo$/.test(f)) problems.push(`${name}: the tarball ships ${f}`);
    }
    let maps = 0;
    for (const f of files) {
      if (!f.endsWith('.map')) continue;
      maps++;
      const map = JSON.parse(readFileSync(join(unpacked, f), 'utf8'));
      for (const source of map.sources) {
        const target = normalize(join(dirname(f), map.sourceRoot ?? '', source));
        if (!files.has(target)) problems.push(`${name}: ${f} points at ${source}, which the tarball does not ship`);
      }
    }
    if (maps === 0) problems.push(`${name}: no source maps found (expected dist/*.js.map)`);
    const manifest = readFileSync(join(unpacked, 'package.json'), 'utf8');
    if (manifest.includes('workspace:')) problems.push(`${name}: package.json still has a workspace: range`);
    manifests[name] = JSON.parse(manifest);
    console.log(`  ${name}: ${files.size} files, ${maps} source maps, all sources shipped`);
  }
  const coreVersion = manifests.core.version;
  const nnDeps = manifests.nn.dependencies ?? {};
  if ('@chainrule/core' in nnDeps) problems.push(`nn: @chainrule/core is a dependency (${nnDeps['@chainrule/core']}); it must be a peer dependency`);
  const peer = manifests.nn.peerDependencies?.['@chainrule/core'];
  if (peer !== `^${coreVersion}`) problems.push(`nn: peerDependencies['@chainrule/core'] is ${peer}, expected ^${coreVersion}`);

  // 3. A fresh project that installs the tarballs, offline.
  const project = join(work, 'consumer');
  mkdirSync(join(project, 'src'), { recursive: true });
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'chainrule-consumer', private: true, type: 'module' }, null, 2)}\n`);
  const dev = rootPackage.devDependencies;
  run('pnpm', ['add', '--offline', tarballs.core, tarballs.nn, `typescript@${dev.typescript}`, `@types/node@${dev['@types/node']}`], project);

  // 4. Sources: our consumer, the READMEs' TypeScript examples as shipped, the root README's example files.
  const compiled = ['main'];
  copyFileSync(join(root, 'scripts/consumer/main.ts'), join(project, 'src/main.ts'));
  for (const name of PACKAGES) {
    const readme = readFileSync(join(work, `unpacked-${name}`, 'README.md'), 'utf8');
    [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].forEach((m, i) => {
      const file = `readme-${name}-${i + 1}`;
      writeFileSync(join(project, 'src', `${file}.ts`), `${m[1]}export {};\n`);
      compiled.push(file);
    });
  }
  for (const file of ['custom-layer', 'readme-network']) {
    copyFileSync(join(root, 'packages/examples/src', `${file}.ts`), join(project, 'src', `${file}.ts`));
    compiled.push(file);
  }
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2022'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      skipLibCheck: false,
      types: ['node'],
      rootDir: 'src',
      outDir: 'dist',
    },
    include: ['src'],
  };
  writeFileSync(join(project, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  const tsc = spawnSync(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), '-p', project], { encoding: 'utf8' });
  if (tsc.status !== 0) problems.push(`strict tsc failed in the consumer project:\n${tsc.stdout}${tsc.stderr}`);
  else console.log(`  strict tsc: compiled ${compiled.map((f) => `${f}.ts`).join(', ')}`);

  // 5. Run each compiled file.
  if (tsc.status === 0) {
    for (const file of compiled) {
      const r = spawnSync(process.execPath, [join(project, 'dist', `${file}.js`)], { cwd: project, encoding: 'utf8' });
      const out = `${r.stdout}${r.stderr}`.trim();
      if (r.status !== 0 || /FAILED|MISMATCH/.test(out)) problems.push(`node dist/${file}.js exited ${r.status}:\n${out}`);
      else console.log(`  node dist/${file}.js: ok${out ? ` (${out.split('\n').at(-1)})` : ''}`);
    }
  }
  if (!existsSync(join(project, 'node_modules/@chainrule/nn/package.json'))) problems.push('the consumer has no node_modules/@chainrule/nn');
  console.log(`  consumer project: ${relative(root, project).startsWith('..') ? 'outside the workspace' : 'INSIDE the workspace'} (${project})`);
} catch (e) {
  problems.push(e instanceof Error ? e.message : String(e));
} finally {
  rmSync(work, { recursive: true, force: true });
}

const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (problems.length > 0) {
  console.error(`packed packages: ${problems.length} problem(s) (${seconds} s)`);
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
console.log(`packed @chainrule/core and @chainrule/nn install, compile strictly and run in a fresh project (${seconds} s)`);
