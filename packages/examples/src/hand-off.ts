/**
 * Outgrowing one machine: train a small model in chainrule, hand it to PyTorch, bring it back.
 *
 * 1. chainrule trains a 2-16-1 regressor of sin(x)·cos(y) for a while, then writes its weights as
 *    safetensors (names as PyTorch's: `0.weight`, `0.bias`, `2.weight`, `2.bias`) and the model as
 *    ONNX (for serving with ONNX Runtime).
 * 2. PyTorch loads the weights into the equivalent `torch.nn.Sequential` and trains on. This is
 *    where a real project would wrap the model in `DistributedDataParallel` and use many GPUs; here
 *    it is one process, float64, so the numbers can be compared.
 * 3. chainrule loads PyTorch's safetensors back, computes exactly what PyTorch computes, and can
 *    inspect the result with `explain`, fine-tune it, or export it again.
 *
 * Needs Debian's `python3-torch` (`/usr/bin/python3 -c 'import torch'`); without it, step 2 is
 * skipped with a message. Run: `pnpm --filter @chainrule/examples run hand-off`.
 * @module
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { noGrad, rand, tensor, type Tensor } from '@chainrule/core';
import { Adam, Dense, Sequential, Tanh, exportOnnx, mseLoss, readSafetensorsMetadata } from '@chainrule/nn';
import { loadSafetensors, saveSafetensors } from '@chainrule/nn/node';

const PYTHON = '/usr/bin/python3';

/** PyTorch's side: read safetensors by hand (struct + json), train with Adam, write safetensors back. */
const TORCH_SCRIPT = String.raw`
import json, struct, sys, torch, torch.nn as nn, torch.nn.functional as F
torch.set_default_dtype(torch.float64)
req = json.loads(sys.stdin.read())
def read(path):
    raw = open(path, 'rb').read(); (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n]); meta = header.pop('__metadata__', {})
    return {k: torch.frombuffer(bytearray(raw[8 + n + v['data_offsets'][0]:8 + n + v['data_offsets'][1]]), dtype=torch.float64).reshape(v['shape']).clone() for k, v in header.items()}, meta
def write(path, state, meta):
    items = sorted(state.items()); header = {'__metadata__': meta}; blobs = []; off = 0
    for k, t in items:
        b = t.detach().contiguous().numpy().astype('<f8').tobytes()
        header[k] = {'dtype': 'F64', 'shape': list(t.shape), 'data_offsets': [off, off + len(b)]}; off += len(b); blobs.append(b)
    h = json.dumps(header, separators=(',', ':')).encode(); h += b' ' * ((8 - len(h) % 8) % 8)
    open(path, 'wb').write(struct.pack('<Q', len(h)) + h + b''.join(blobs))
state, meta = read(req['weights'])
model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1)).double()
model.load_state_dict(state, strict=True)  # the same names: 0.weight, 0.bias, 2.weight, 2.bias
X = torch.tensor(req['x']).reshape(-1, 2); Y = torch.tensor(req['y']).reshape(-1, 1)
with torch.no_grad(): received = F.mse_loss(model(X), Y).item()
opt = torch.optim.Adam(model.parameters(), lr=req['lr'])  # here: DistributedDataParallel(model), many GPUs
for _ in range(req['steps']):
    opt.zero_grad(); F.mse_loss(model(X), Y).backward(); opt.step()
with torch.no_grad(): out = model(X); loss = F.mse_loss(out, Y).item()
write(req['result'], model.state_dict(), {'format': 'pt', 'trained': 'PyTorch %s, %d Adam steps' % (torch.__version__, req['steps'])})
print(json.dumps({'received': received, 'loss': loss, 'out': out.reshape(-1).tolist(), 'torch': torch.__version__}))
`;

/** What {@link handOff} found. */
export interface HandOffResult {
  /** chainrule's loss after its own training. */
  chainruleLoss: number;
  /** The loss PyTorch measured on receiving the weights (the same model, so the same loss). */
  receivedLoss: number;
  /** PyTorch's loss after training on. */
  torchLoss: number;
  /** chainrule's loss on the weights brought back. */
  backLoss: number;
  /** The largest relative difference between PyTorch's outputs and chainrule's on the weights brought back. */
  maxRelativeDifference: number;
  /** The metadata PyTorch wrote with the weights. */
  metadata: Record<string, string>;
  /** The ONNX file of the model brought back. */
  onnx: Uint8Array;
}

/**
 * Runs the hand-off in `dir` (files: chainrule.safetensors, chainrule.onnx, torch.safetensors).
 * Returns null when PyTorch is not installed.
 */
export function handOff(dir: string, { chainruleSteps = 300, torchSteps = 300 } = {}): HandOffResult | null {
  // 1. train in chainrule: sin(x)·cos(y) on 64 points of [-2, 2]²
  const X = rand([64, 2], { seed: 1 }).mul(4).sub(2);
  const Y = tensor(Array.from({ length: 64 }, (_, i) => [Math.sin(X.buffer[2 * i]) * Math.cos(X.buffer[2 * i + 1])]));
  const net = new Sequential(new Dense(2, 16, { seed: 2, init: 'uniform' }), new Tanh(), new Dense(16, 1, { seed: 3, init: 'uniform' }));
  const opt = new Adam(net.parameters(), { lr: 0.01 });
  for (let i = 0; i < chainruleSteps; i++) {
    opt.zeroGrad();
    mseLoss(net.forward(X), Y).backward();
    opt.step();
  }
  const loss = (m: Sequential): number => noGrad(() => mseLoss(m.forward(X), Y).item());
  const chainruleLoss = loss(net);
  saveSafetensors(net, path.join(dir, 'chainrule.safetensors'), { description: `sin(x)cos(y) regressor, ${chainruleSteps} Adam steps in chainrule` });
  fs.writeFileSync(path.join(dir, 'chainrule.onnx'), exportOnnx(net, [X], { inputNames: ['xy'], outputNames: ['z'], batchAxis: 0 }));

  // 2. hand it to PyTorch
  if (spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0) return null;
  const request = { weights: path.join(dir, 'chainrule.safetensors'), result: path.join(dir, 'torch.safetensors'), x: Array.from(X.buffer), y: Array.from(Y.buffer), lr: 0.01, steps: torchSteps };
  const py = spawnSync(PYTHON, ['-c', TORCH_SCRIPT], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 1 << 26 });
  if (py.status !== 0) throw new Error(`hand-off: PyTorch failed:\n${py.stderr}`);
  const reply = JSON.parse(py.stdout) as { received: number; loss: number; out: number[] };

  // 3. bring it back: the same architecture, PyTorch's weights
  const back = new Sequential(new Dense(2, 16), new Tanh(), new Dense(16, 1));
  loadSafetensors(back, path.join(dir, 'torch.safetensors'));
  const out: Tensor = noGrad(() => back.forward(X));
  let maxRelativeDifference = 0;
  reply.out.forEach((v, i) => {
    const d = Math.abs(v - out.buffer[i]) / Math.max(Math.abs(v), Math.abs(out.buffer[i]), Number.MIN_VALUE);
    maxRelativeDifference = Math.max(maxRelativeDifference, d);
  });
  return {
    chainruleLoss,
    receivedLoss: reply.received,
    torchLoss: reply.loss,
    backLoss: loss(back),
    maxRelativeDifference,
    metadata: readSafetensorsMetadata(fs.readFileSync(path.join(dir, 'torch.safetensors'))),
    onnx: exportOnnx(back, [X], { inputNames: ['xy'], outputNames: ['z'], batchAxis: 0 }),
  };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chainrule-hand-off-'));
  const r = handOff(dir);
  if (r === null) {
    console.log(`PyTorch is not installed (${PYTHON} -c 'import torch' fails); the files chainrule wrote are in ${dir}.`);
    console.log('Install it with: apt-get install -y --no-install-recommends python3-torch');
  } else {
    console.log(`chainrule trained:          loss ${r.chainruleLoss.toExponential(4)}  -> ${dir}/chainrule.safetensors, chainrule.onnx`);
    console.log(`PyTorch received:           loss ${r.receivedLoss.toExponential(4)} (the same model)`);
    console.log(`PyTorch trained on:         loss ${r.torchLoss.toExponential(4)}  (${r.metadata.trained})`);
    console.log(`chainrule brought it back:  loss ${r.backLoss.toExponential(4)}; outputs differ from PyTorch's by at most ${r.maxRelativeDifference.toExponential(1)} relative`);
    console.log(`and exported it again as ONNX (${r.onnx.length} bytes)`);
  }
}
