/**
 * `pnpm run test:handoff`: chainrule's hand-off checked against the real engines.
 *
 * 1. ONNX Runtime (onnxruntime-node, CPU): every case of cases.ts is exported with exportOnnx and
 *    run by ONNX Runtime; chainrule's outputs must equal ONNX Runtime's to 1e-12 relative in float64
 *    (1e-6 where the file is float32). The same file imported back with importOnnx must give ONNX
 *    Runtime's outputs too. Every op of the export table must be used by some case.
 * 2. onnx.checker (python3-onnx) accepts every file chainrule wrote.
 * 3. PyTorch (Debian's python3-torch, float64): a model trained in chainrule and saved as
 *    safetensors loads into the equivalent torch.nn model with the same outputs; a model built and
 *    trained in PyTorch, exported with torch.onnx.export and as a state dict, loads into chainrule
 *    with the same outputs, trains a few steps with Adam in both, and ends identical to 1e-12.
 *
 * 4. The README's hand-off example runs: chainrule → PyTorch → chainrule, losses and outputs equal.
 *
 * Prints the counts and the largest differences; exits 1 on any mismatch. Installs Debian's
 * python3-torch and python3-onnx first when /usr/bin/python3 cannot import them.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import * as core from '@chainrule/core';
import { Tensor, bernoulli, multinomial, noGrad, randn, randperm, tensor, traceOps } from '@chainrule/core';
import { AdaptiveAvgPool2d, Adam, Dense, EXPORT_RULES, REFUSED_OPS, Module, Sequential, Tanh, exportOnnx, fromSafetensors, importOnnx, mseLoss, readSafetensorsMetadata } from '@chainrule/nn';
import { saveSafetensors } from '@chainrule/nn/node';
import { handOff } from '../../packages/examples/src/hand-off.js';
import { cube, ortCases, type OrtCase } from './cases.js';

const PYTHON = '/usr/bin/python3';
const TORCH_SIDE = fileURLToPath(new URL('./torch_side.py', import.meta.url));
const started = performance.now();

// ------------------------------------------------------------------ comparing

class Tally {
  checks = 0;
  values = 0;
  failures: string[] = [];
  largest = new Map<string, { rel: number; where: string }>();

  /**
   * Compares `ours` to `expected` elementwise: |a − b| ≤ rtol·max(|a|, |b|, scale) (or ≤ 1e-300 for
   * exact zeros); `scale` (default 0) is the output's largest magnitude for float32 sums whose
   * cancellation leaves small values with a larger relative rounding.
   */
  compare(group: string, where: string, ours: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, scale = 0): void {
    this.checks++;
    if (ours.length !== expected.length) {
      this.failures.push(`${where}: ${ours.length} values, expected ${expected.length}`);
      return;
    }
    let worst = 0;
    let worstAt = -1;
    for (let i = 0; i < ours.length; i++) {
      const a = ours[i];
      const b = expected[i];
      this.values++;
      if (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))) continue;
      const rel = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), scale);
      if (!(rel <= worst)) {
        worst = Number.isNaN(rel) ? Infinity : rel;
        worstAt = i;
      }
    }
    const best = this.largest.get(group);
    if (best === undefined || worst > best.rel) this.largest.set(group, { rel: worst, where });
    if (worst > rtol) this.failures.push(`${where}: relative difference ${worst.toExponential(2)} at element ${worstAt} (ours ${ours[worstAt]}, expected ${expected[worstAt]}) > ${rtol}`);
  }

  expect(where: string, ok: boolean, detail: string): void {
    this.checks++;
    if (!ok) this.failures.push(`${where}: ${detail}`);
  }
}

const tally = new Tally();

// ------------------------------------------------------------------ python

function hasModules(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0;
}

function ensurePython(): void {
  if (hasModules()) return;
  console.log('test:handoff: python3-torch or python3-onnx is missing; installing them with apt-get');
  const r = spawnSync('sh', ['-c', 'apt-get update && apt-get install -y --no-install-recommends python3-torch python3-onnx'], { stdio: 'inherit' });
  if (r.status !== 0 || !hasModules()) {
    console.error(`test:handoff: could not install python3-torch and python3-onnx (apt-get exit status ${r.status})`);
    process.exit(1);
  }
}

// ------------------------------------------------------------------ 1. ONNX Runtime

function ortTensor(t: Tensor, dtype: 'float64' | 'float32'): ort.Tensor {
  return dtype === 'float64' ? new ort.Tensor('float64', Float64Array.from(t.buffer), t.shape.slice()) : new ort.Tensor('float32', Float32Array.from(t.buffer), t.shape.slice());
}

/**
 * The names of the ops recorded by a forward of `m` (inputs and parameters made to require grad, in
 * core's trace mode, as exportOnnx does), and of every op it ran, recorded or not.
 */
function recordedOps(m: Module, inputs: Tensor[]): { recorded: Set<string>; ran: ReadonlySet<string> } {
  const leaves = inputs.map((x) => new Tensor(x.buffer.slice(), x.shape, true));
  const frozen = m.parameters().filter((p) => !p.requiresGrad);
  for (const p of frozen) p.requiresGrad = true;
  let out: Tensor;
  let ran: ReadonlySet<string>;
  try {
    ({ result: out, ops: ran } = traceOps(() => m.forward(...leaves)));
  } finally {
    for (const p of frozen) p.requiresGrad = false;
  }
  const names = new Set<string>();
  const seen = new Set<Tensor>();
  const stack = [out];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t) || t.gradFn === null) continue;
    seen.add(t);
    names.add(t.gradFn.op.name);
    stack.push(...t.gradFn.inputs);
  }
  return { recorded: names, ran };
}

async function runOrt(c: OrtCase, index: number, dir: string): Promise<void> {
  const bytes = exportOnnx(c.module, c.inputs, { batchAxis: c.batchAxis, dtype: c.dtype });
  fs.writeFileSync(path.join(dir, `chainrule-${String(index).padStart(2, '0')}.onnx`), bytes);
  const session = await ort.InferenceSession.create(bytes);
  const inputs = c.runInputs ?? c.inputs;
  const fileType = c.dtype ?? inputs[0].dtype;
  const feeds: Record<string, ort.Tensor> = {};
  session.inputNames.forEach((name, i) => (feeds[name] = ortTensor(inputs[i], fileType)));
  const result = await session.run(feeds);
  const expected = Array.from(result[session.outputNames[0]].data as Float64Array | Float32Array);
  const ours = noGrad(() => c.module.forward(...inputs));
  const group = c.rtol === 1e-12 ? 'ONNX Runtime float64' : 'ONNX Runtime float32';
  const scale = c.relativeToLargest === true ? expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0) : 0;
  tally.compare(group, `ORT ${c.name}: exportOnnx`, ours.buffer, expected, c.rtol, scale);
  // the file read back by importOnnx computes what ONNX Runtime computes
  const imported = importOnnx(bytes);
  const again = noGrad(() => imported.forward(...inputs.map((x) => (x.dtype === fileType ? x : x.cast(fileType)))));
  tally.compare(group, `ORT ${c.name}: importOnnx`, again.buffer, expected, c.rtol, scale);
}

function refusals(): void {
  const custom = new (class extends Module {
    forward(x: Tensor): Tensor {
      return cube(x);
    }
  })();
  const tryExport = (m: Module, x: Tensor): string => {
    try {
      exportOnnx(m, [x]);
      return 'exported';
    } catch (e) {
      return (e as Error).message;
    }
  };
  const x = tensor([[1, 2, -3]]);
  const msg1 = tryExport(custom, x);
  tally.expect('refusal: an op without an ONNX form', msg1.includes("op 'cube'"), `got: ${msg1}`);
  const hidden = new (class extends Module {
    forward(x: Tensor): Tensor {
      return x.mul(x.gt(0).detach()); // the mask is taken out of the recorded graph
    }
  })();
  const msg2 = tryExport(hidden, x);
  tally.expect('refusal: a constant that depends on the input', msg2.includes("input 'b' of mul") && msg2.includes('changes with the inputs'), `got: ${msg2}`);
  // the samplers are refused by name with the reason, also where the draw records nothing
  const samplers: [string, (x: Tensor) => Tensor][] = [
    ['randperm', (v) => v.add(randperm(3, { seed: 1 }))],
    ['multinomial', (v) => v.add(multinomial(v.softmax(), 3, { seed: 2 }))],
    ['bernoulli', (v) => v.mul(bernoulli(v.sigmoid(), { seed: 3 }))],
    ['bernoulli', (v) => v.mul(bernoulli(tensor([[0.5, 0.5, 0.5]]), { seed: 4 }))],
  ];
  for (const [op, f] of samplers) {
    const msg = tryExport(new (class extends Module {
      forward(v: Tensor): Tensor {
        return f(v);
      }
    })(), x);
    tally.expect(`refusal: the sampler ${op}, by name with its reason`, msg.includes(`calls ${op}, which does not export: ${REFUSED_OPS[op]}`), `got: ${msg}`);
  }
}

/**
 * The names of core's ops: every op core exports (defineOp gives each op function its Op as `.op`,
 * which also finds the ops made by factories, elu and selu of eluFamily), and the internal ones,
 * read from the modules that core's ops/index.ts exports from (`name: '...'` of each defineOp, and
 * the names given to op factories such as `windowMeanOp('avgPool2d')`, with their `${name}Adjoint`).
 */
function coreOpNames(): Set<string> {
  const names = new Set<string>();
  for (const value of Object.values(core)) {
    if (typeof value === 'function' && 'op' in value) names.add((value as unknown as { op: { name: string } }).op.name);
  }
  const dir = fileURLToPath(new URL('../../packages/core/src/ops/', import.meta.url));
  const index = fs.readFileSync(path.join(dir, 'index.ts'), 'utf8');
  for (const file of new Set([...index.matchAll(/from '\.\/([\w-]+)\.js'/g)].map((m) => m[1]))) {
    const src = fs.readFileSync(path.join(dir, `${file}.ts`), 'utf8');
    for (const m of src.matchAll(/\bname: '(\w+)'/g)) names.add(m[1]);
    for (const m of src.matchAll(/(?:Spec|Op)\('(\w+)'\)/g)) {
      names.add(m[1]);
      if (src.includes('`${name}Adjoint`')) names.add(`${m[1]}Adjoint`);
    }
  }
  return names;
}

/**
 * Every op of core has an export rule or is refused with a reason (issue 12). `recorded` and `ran`
 * are the ops the cases recorded and ran.
 */
function coverage(recorded: ReadonlySet<string>, ran: ReadonlySet<string>): void {
  const names = coreOpNames();
  const expected = ['add', 'conv2d', 'convInputGrad', 'avgPool2dAdjoint', 'maxPool2dSelect', 'elu', 'selu', 'gt', 'argmax', 'shift', 'zeroInfinities'];
  tally.expect(`the scan of core finds the ops it should (${expected.join(', ')})`, expected.every((n) => names.has(n)), [...names].join(', '));
  // zeroInfinities only ever sees the detached stabilising shift of softmax and logsumexp, which exportOnnx recognises
  // and writes itself; it cannot be in REFUSED_OPS, which refuses an op wherever it is traced. The exemption holds
  // while it runs in the cases but never records a node.
  const writtenByExport = new Set(['zeroInfinities']);
  tally.expect('zeroInfinities runs in the cases (softmax, logsumexp) and never records a node', ran.has('zeroInfinities') && !recorded.has('zeroInfinities'), `ran: ${ran.has('zeroInfinities')}, recorded: ${recorded.has('zeroInfinities')}`);
  const missing = [...names].filter((n) => !(n in EXPORT_RULES) && !(n in REFUSED_OPS) && !writtenByExport.has(n));
  tally.expect(`every op of core (${names.size}) has an export rule or a REFUSED_OPS reason`, missing.length === 0, `neither: ${missing.join(', ')}`);
  // adaptive pooling with windows of unequal size is refused with its reason
  let msg = 'exported';
  try {
    exportOnnx(new AdaptiveAvgPool2d([2, 3]), [randn([1, 1, 5, 7], { seed: 1 })]);
  } catch (e) {
    msg = (e as Error).message;
  }
  tally.expect('refusal: adaptiveAvgPool2d 5×7 → 2×3, by name with its reason', msg.includes('adaptiveAvgPool2d from 5×7 to 2×3 does not export'), `got: ${msg}`);
}

// ------------------------------------------------------------------ 3. PyTorch

interface TorchModel {
  X: number[];
  Y: number[];
  xTest: number[];
  yBefore: number[];
  yAfter: number[];
  final: Record<string, number[]>;
}

interface TorchReply {
  fromChainrule: { reader: string; metadata: Record<string, string>; y: number[]; keys: string[] };
  toChainrule: { models: Record<string, TorchModel>; ops: Record<string, { x: number[]; xShape: number[]; y: number[]; float32: boolean }>; torch: string };
  checker: { checked: number; failures: string[]; onnx: string };
}

const TORCH = { seed: 0, lr: 0.01, pretrainSteps: 20, steps: 10 };

/** A small regressor trained in chainrule, saved as safetensors for PyTorch. */
function trainInChainrule(dir: string): { x: Tensor; y: Tensor; net: Module } {
  const net = new Sequential(new Dense(3, 8, { seed: 11, init: 'uniform' }), new Tanh(), new Dense(8, 2, { seed: 12, init: 'uniform' }));
  const X = randn([16, 3], { seed: 13 });
  const Y = randn([16, 2], { seed: 14 });
  const opt = new Adam(net.parameters(), { lr: 0.02 });
  for (let i = 0; i < 50; i++) {
    opt.zeroGrad();
    mseLoss(net.forward(X), Y).backward();
    opt.step();
  }
  saveSafetensors(net, path.join(dir, 'chainrule-trained.safetensors'), { description: 'a 3-8-2 regressor trained 50 Adam steps in chainrule' });
  const x = randn([5, 3], { seed: 15 });
  return { x, y: noGrad(() => net.forward(x)), net };
}

async function fromTorch(dir: string, name: string, reply: TorchModel): Promise<void> {
  const net = importOnnx(fs.readFileSync(path.join(dir, `torch-${name}.onnx`)));
  const at = `torch ${name}`;
  console.log(`${at}: torch.onnx.export wrote ${net.opTypes.filter((t) => t !== 'Constant').join(', ')}; parameters ${net.namedParameters().map(([n]) => n).join(', ')}`);
  const xTest = tensor(Float64Array.from(reply.xTest), { shape: [7, 4] });
  tally.compare('PyTorch → chainrule', `${at}: torch.onnx.export → importOnnx: outputs (${net.opTypes.filter((t) => t !== 'Constant').join(' ')})`, noGrad(() => net.forward(xTest)).buffer, reply.yBefore, 1e-12);
  // the state dict PyTorch wrote as safetensors names the same parameters with the same values
  const state = fromSafetensors(fs.readFileSync(path.join(dir, `torch-${name}.safetensors`)));
  const ours = net.stateDict();
  tally.expect(`${at}: state dict names = imported parameter names`, JSON.stringify(Object.keys(state).sort()) === JSON.stringify(Object.keys(ours).sort()), `${Object.keys(state)} vs ${Object.keys(ours)}`);
  for (const k of Object.keys(state)) tally.compare('PyTorch → chainrule', `${at}: state dict '${k}' = ONNX initializer`, ours[k]?.data ?? [], state[k].data, 0);
  net.loadStateDict(state);
  // fine-tune as PyTorch did: a fresh Adam, MSE on the same data
  const X = tensor(Float64Array.from(reply.X), { shape: [32, 4] });
  const Y = tensor(Float64Array.from(reply.Y), { shape: [32, 3] });
  const opt = new Adam(net.parameters(), { lr: TORCH.lr });
  for (let i = 0; i < TORCH.steps; i++) {
    opt.zeroGrad();
    mseLoss(net.forward(X), Y).backward();
    opt.step();
  }
  const after = net.stateDict();
  for (const [k, v] of Object.entries(reply.final)) tally.compare('PyTorch → chainrule', `${at}: after ${TORCH.steps} Adam steps in both: '${k}'`, after[k]?.data ?? [], v, 1e-12);
  tally.compare('PyTorch → chainrule', `${at}: after ${TORCH.steps} Adam steps in both: outputs`, noGrad(() => net.forward(xTest)).buffer, reply.yAfter, 1e-12);
  // and the fine-tuned model goes on to ONNX Runtime
  const session = await ort.InferenceSession.create(exportOnnx(net, [xTest], { inputNames: ['x'], batchAxis: 0 }));
  const r = await session.run({ x: ortTensor(xTest, 'float64') });
  tally.compare('PyTorch → chainrule', `${at}: fine-tuned import, exported again, run by ONNX Runtime`, Array.from(r[session.outputNames[0]].data as Float64Array), reply.yAfter, 1e-12);
}

/**
 * A module of indexing, sorting, shape or math ops written by torch.onnx.export: imported, it
 * computes what PyTorch computes, and what ONNX Runtime computes on the same file (on torch's
 * float32 copy of it, where ONNX Runtime has no float64 kernels).
 */
async function opsFromTorch(dir: string, name: string, reply: { x: number[]; xShape: number[]; y: number[]; float32: boolean }): Promise<void> {
  const bytes = fs.readFileSync(path.join(dir, `torch-ops-${name}.onnx`));
  const net = importOnnx(bytes);
  const written = [...new Set(net.opTypes.filter((t) => t !== 'Constant'))].join(', ');
  console.log(`torch ops-${name}: torch.onnx.export wrote ${written}`);
  const x = tensor(Float64Array.from(reply.x), { shape: reply.xShape });
  const ours = noGrad(() => net.forward(x)).buffer;
  tally.compare('PyTorch → chainrule', `torch ops-${name}: torch.onnx.export → importOnnx: outputs = PyTorch's (${written})`, ours, reply.y, 1e-12);
  if (!reply.float32) {
    const session = await ort.InferenceSession.create(bytes);
    const r = await session.run({ [session.inputNames[0]]: ortTensor(x, 'float64') });
    tally.compare('PyTorch → chainrule', `torch ops-${name}: importOnnx outputs = ONNX Runtime's on the same file`, ours, Array.from(r[session.outputNames[0]].data as Float64Array), 1e-12);
    return;
  }
  const bytes32 = fs.readFileSync(path.join(dir, `torch-ops-${name}-f32.onnx`));
  const x32 = x.cast('float32');
  const ours32 = noGrad(() => importOnnx(bytes32).forward(x32)).buffer;
  const session = await ort.InferenceSession.create(bytes32);
  const expected = Array.from((await session.run({ [session.inputNames[0]]: ortTensor(x32, 'float32') }))[session.outputNames[0]].data as Float32Array);
  // relative to the largest output, as the float32 convolutions: 1 + erf in gelu cancels for negative x, in both engines
  const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  tally.compare('ONNX Runtime float32', `torch ops-${name}: importOnnx of torch's float32 file = ONNX Runtime's on it`, ours32, expected, 1e-6, scale);
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  ensurePython();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chainrule-handoff-'));
  try {
    const ortStart = performance.now();
    const cases = ortCases();
    for (let i = 0; i < cases.length; i++) {
      try {
        await runOrt(cases[i], i, dir);
      } catch (e) {
        tally.checks++;
        tally.failures.push(`ORT ${cases[i].name}: ${(e as Error).message}`);
      }
    }
    const used = new Set<string>();
    const ran = new Set<string>();
    for (const c of cases) {
      const ops = recordedOps(c.module, c.inputs);
      for (const op of ops.recorded) used.add(op);
      for (const op of ops.ran) ran.add(op);
    }
    const unused = Object.keys(EXPORT_RULES).filter((op) => !used.has(op));
    tally.expect('every op of the export table is exported by some case', unused.length === 0, `not covered: ${unused.join(', ')}`);
    refusals();
    coverage(used, ran);
    const ortTime = (performance.now() - ortStart) / 1000;

    const torchStart = performance.now();
    const mine = trainInChainrule(dir);
    const request = {
      dir,
      chainrule: { file: 'chainrule-trained.safetensors', x: Array.from(mine.x.buffer), xShape: mine.x.shape },
      torch: TORCH,
    };
    const py = spawnSync(PYTHON, [TORCH_SIDE], { input: JSON.stringify(request), maxBuffer: 1 << 28, encoding: 'utf8' });
    if (py.status !== 0) {
      console.error(`test:handoff: torch_side.py failed (exit status ${py.status}):\n${py.stderr}`);
      process.exit(1);
    }
    const reply = JSON.parse(py.stdout) as TorchReply;
    const from = reply.fromChainrule;
    tally.compare('chainrule → PyTorch', `safetensors (read with ${from.reader}) → torch.nn.Sequential.load_state_dict: outputs`, from.y, mine.y.buffer, 1e-12);
    tally.expect('safetensors metadata reaches PyTorch', from.metadata.format === 'pt' && from.metadata['chainrule.model'] === String(mine.net), JSON.stringify(from.metadata));
    tally.expect('chainrule reads its own metadata back', readSafetensorsMetadata(fs.readFileSync(path.join(dir, 'chainrule-trained.safetensors'))).description?.startsWith('a 3-8-2') === true, 'description missing');
    for (const [name, model] of Object.entries(reply.toChainrule.models)) await fromTorch(dir, name, model);
    for (const [name, ops] of Object.entries(reply.toChainrule.ops)) await opsFromTorch(dir, name, ops);
    // the README's example (packages/examples/src/hand-off.ts): chainrule → PyTorch → chainrule
    const example = handOff(dir, { chainruleSteps: 100, torchSteps: 100 });
    if (example === null) tally.expect('hand-off example', false, 'PyTorch is missing');
    else {
      tally.compare('hand-off example', 'example: the loss PyTorch measures on receiving the weights', [example.receivedLoss], [example.chainruleLoss], 1e-12);
      tally.compare('hand-off example', "example: chainrule's loss on PyTorch's weights brought back", [example.backLoss], [example.torchLoss], 1e-12);
      tally.expect('example: outputs brought back equal PyTorch\'s to 1e-12', example.maxRelativeDifference <= 1e-12, `${example.maxRelativeDifference}`);
      tally.expect('example: PyTorch trained on (its loss fell)', example.torchLoss < example.chainruleLoss, `${example.torchLoss} vs ${example.chainruleLoss}`);
    }
    const torchTime = (performance.now() - torchStart) / 1000;
    const { checker } = reply;
    tally.checks += checker.checked + checker.failures.length;
    for (const f of checker.failures) tally.failures.push(`onnx.checker: ${f}`);

    console.log(`\ntest:handoff: ${cases.length} models exported to ONNX Runtime ${ort.env.versions.common} (each run, and imported back: ${2 * cases.length} comparisons); ` +
      `${checker.checked} files accepted by onnx.checker ${checker.onnx}; PyTorch ${reply.toChainrule.torch} both ways`);
    console.log(`${tally.checks} checks, ${tally.values} values compared`);
    for (const [group, { rel, where }] of tally.largest) console.log(`largest relative difference, ${group}: ${rel.toExponential(2)} (${where})`);
    console.log(`time: ONNX Runtime ${ortTime.toFixed(1)} s, PyTorch ${torchTime.toFixed(1)} s, total ${((performance.now() - started) / 1000).toFixed(1)} s`);
    if (tally.failures.length > 0) {
      console.log(`\nFAILED (${tally.failures.length}):`);
      for (const f of tally.failures) console.log(`  ${f}`);
      process.exit(1);
    }
    console.log('OK: every check agrees with ONNX Runtime and PyTorch');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
