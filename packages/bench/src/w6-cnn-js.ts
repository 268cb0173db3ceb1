/**
 * W6's floor: the mnist example's CNN step written out as loops over Float64Array, forward and
 * backward by hand, in chainrule's layouts (NCHW; conv weights [out, in, 3, 3]; dense weights
 * [out, in]), with PyTorch's AdamW. No tensors, no graph, no allocation per step. The derivatives:
 * - cross-entropy of the mean: dlogits = (softmax − onehot) / B
 * - dense y = x Wᵀ + b: dW = dyᵀ x, db = Σ_batch dy, dx = dy W
 * - ReLU and dropout: the gradient passes where the value was > 0 / the mask is nonzero (× the mask)
 * - max-pool: each gradient goes to its window's first maximum (row by row), as chainrule routes it
 * - valid 3×3 conv: dW[o,c,i,j] = Σ dy[b,o,y,x] · in[b,c,y+i,x+j], db[o] = Σ dy, din scattered back.
 * @module
 */
import { RandomGenerator } from '@chainrule/core';
import type { StepTrainer } from './steps.js';
import type { W6Data } from './w6-cnn.js';

/** Sizes of one convolution's input and output. */
interface ConvSize {
  batch: number;
  inC: number;
  outC: number;
  /** Input side; the output side is side − 2. */
  side: number;
}

/** out[b,o] = b[o] + Σ w[o,c,i,j] · x[b,c,y+i,x+j] over a valid 3×3 window. */
function convForward(x: Float64Array, w: Float64Array, bias: Float64Array, out: Float64Array, s: ConvSize): void {
  const n = s.side;
  const m = n - 2;
  for (let b = 0; b < s.batch; b++) {
    for (let o = 0; o < s.outC; o++) {
      const ob = (b * s.outC + o) * m * m;
      out.fill(bias[o], ob, ob + m * m);
      for (let c = 0; c < s.inC; c++) {
        const xb = (b * s.inC + c) * n * n;
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 3; j++) {
            const wv = w[((o * s.inC + c) * 3 + i) * 3 + j];
            for (let y = 0; y < m; y++) {
              const orow = ob + y * m;
              const xrow = xb + (y + i) * n + j;
              for (let xx = 0; xx < m; xx++) out[orow + xx] += wv * x[xrow + xx];
            }
          }
        }
      }
    }
  }
}

/** The weight and bias gradients of a conv, and (when dx is given) the input's. */
function convBackward(x: Float64Array, w: Float64Array, dy: Float64Array, dw: Float64Array, db: Float64Array, dx: Float64Array | null, s: ConvSize): void {
  const n = s.side;
  const m = n - 2;
  dw.fill(0);
  db.fill(0);
  dx?.fill(0);
  for (let b = 0; b < s.batch; b++) {
    for (let o = 0; o < s.outC; o++) {
      const ob = (b * s.outC + o) * m * m;
      for (let q = 0; q < m * m; q++) db[o] += dy[ob + q];
      for (let c = 0; c < s.inC; c++) {
        const xb = (b * s.inC + c) * n * n;
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 3; j++) {
            const wi = ((o * s.inC + c) * 3 + i) * 3 + j;
            const wv = w[wi];
            let acc = 0;
            for (let y = 0; y < m; y++) {
              const orow = ob + y * m;
              const xrow = xb + (y + i) * n + j;
              for (let xx = 0; xx < m; xx++) {
                acc += dy[orow + xx] * x[xrow + xx];
                if (dx !== null) dx[xrow + xx] += dy[orow + xx] * wv;
              }
            }
            dw[wi] += acc;
          }
        }
      }
    }
  }
}

/** 2×2 max-pool, stride 2, floor mode, over planes of side `side`; `from` keeps each window's first maximum. */
function poolForward(x: Float64Array, out: Float64Array, from: Int32Array, planes: number, side: number): void {
  const m = Math.floor(side / 2);
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < m; y++) {
      for (let xx = 0; xx < m; xx++) {
        let best = -Infinity;
        let at = -1;
        for (let i = 0; i < 2; i++) {
          for (let j = 0; j < 2; j++) {
            const k = p * side * side + (2 * y + i) * side + 2 * xx + j;
            if (x[k] > best || at < 0) {
              best = x[k];
              at = k;
            }
          }
        }
        const q = p * m * m + y * m + xx;
        out[q] = best;
        from[q] = at;
      }
    }
  }
}

/** In place: max(x, 0). What stays > 0 is where the gradient passes back. */
function relu(x: Float64Array): void {
  for (let i = 0; i < x.length; i++) if (!(x[i] > 0)) x[i] = 0;
}

/** y[b,o] = bias[o] + Σ_k x[b,k] · w[o,k]. */
function denseForward(x: Float64Array, w: Float64Array, bias: Float64Array, y: Float64Array, batch: number, inF: number, outF: number): void {
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < outF; o++) {
      let acc = bias[o];
      for (let k = 0; k < inF; k++) acc += x[b * inF + k] * w[o * inF + k];
      y[b * outF + o] = acc;
    }
  }
}

/** dW = dyᵀ x, db = Σ dy and, when dx is given, dx = dy W. */
function denseBackward(x: Float64Array, w: Float64Array, dy: Float64Array, dw: Float64Array, db: Float64Array, dx: Float64Array | null, batch: number, inF: number, outF: number): void {
  dw.fill(0);
  db.fill(0);
  dx?.fill(0);
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < outF; o++) {
      const g = dy[b * outF + o];
      db[o] += g;
      for (let k = 0; k < inF; k++) {
        dw[o * inF + k] += g * x[b * inF + k];
        if (dx !== null) dx[b * inF + k] += g * w[o * inF + k];
      }
    }
  }
}

/**
 * The W6 step as hand-written loops (the floor), from `d`'s initial weights, with AdamW and dropout
 * masks drawn from a seeded generator.
 * @example
 * ```ts
 * const trainer = w6Js(w6Data()); trainer.step(0); // the loss of batch 0
 * ```
 */
export function w6Js(d: W6Data): StepTrainer {
  const o = d.options;
  const B = o.batch;
  const params = d.initial.map((p) => p.data.slice());
  const grads = params.map((p) => new Float64Array(p.length));
  const m = params.map((p) => new Float64Array(p.length));
  const v = params.map((p) => new Float64Array(p.length));
  const [c1w, c1b, c2w, c2b, d1w, d1b, d2w, d2b] = params;
  const [gc1w, gc1b, gc2w, gc2b, gd1w, gd1b, gd2w, gd2b] = grads;
  const conv1: ConvSize = { batch: B, inC: 1, outC: 8, side: 28 };
  const conv2: ConvSize = { batch: B, inC: 8, outC: 16, side: 13 };
  const c1 = new Float64Array(B * 8 * 26 * 26);
  const p1 = new Float64Array(B * 8 * 13 * 13); // pooled, then relu'd in place (the input of conv2)
  const from1 = new Int32Array(p1.length);
  const c2 = new Float64Array(B * 16 * 11 * 11);
  const p2 = new Float64Array(B * 400); // pooled, relu'd, then dropped out: the input of dense1
  const from2 = new Int32Array(p2.length);
  const mask1 = new Float64Array(B * 400);
  const h = new Float64Array(B * 128); // dense1, relu'd, dropped out: the input of dense2
  const mask2 = new Float64Array(B * 128);
  const logits = new Float64Array(B * 10);
  const dh = new Float64Array(B * 128);
  const dp2 = new Float64Array(B * 400);
  const dc2 = new Float64Array(c2.length);
  const dp1 = new Float64Array(p1.length);
  const dc1 = new Float64Array(c1.length);
  const generator = new RandomGenerator(o.seed + 2);
  const keep = 1 - o.dropout;
  const fillMask = (mask: Float64Array) => {
    for (let i = 0; i < mask.length; i++) mask[i] = o.dropout === 0 || generator.uniform() < keep ? 1 / keep : 0;
  };
  let t = 0;
  const [beta1, beta2] = [0.9, 0.999];

  const step = (k: number): number => {
    const x = d.xs[k % d.xs.length];
    const labels = d.labels[k % d.labels.length];
    // forward
    convForward(x, c1w, c1b, c1, conv1);
    poolForward(c1, p1, from1, B * 8, 26);
    relu(p1);
    convForward(p1, c2w, c2b, c2, conv2);
    poolForward(c2, p2, from2, B * 16, 11);
    relu(p2);
    fillMask(mask1);
    for (let i = 0; i < p2.length; i++) p2[i] *= mask1[i];
    denseForward(p2, d1w, d1b, h, B, 400, 128);
    relu(h);
    fillMask(mask2);
    for (let i = 0; i < h.length; i++) h[i] *= mask2[i];
    denseForward(h, d2w, d2b, logits, B, 128, 10);
    // loss and dlogits = (softmax − onehot) / B, in place
    let loss = 0;
    for (let b = 0; b < B; b++) {
      let max = -Infinity;
      for (let c = 0; c < 10; c++) max = Math.max(max, logits[b * 10 + c]);
      let sum = 0;
      for (let c = 0; c < 10; c++) sum += Math.exp(logits[b * 10 + c] - max);
      const lse = max + Math.log(sum);
      loss += lse - logits[b * 10 + labels[b]];
      for (let c = 0; c < 10; c++) logits[b * 10 + c] = (Math.exp(logits[b * 10 + c] - lse) - (c === labels[b] ? 1 : 0)) / B;
    }
    // backward (the dropped-out, relu'd activations are zero exactly where the gradient stops)
    denseBackward(h, d2w, logits, gd2w, gd2b, dh, B, 128, 10);
    for (let i = 0; i < dh.length; i++) dh[i] = h[i] > 0 ? dh[i] * mask2[i] : 0;
    denseBackward(p2, d1w, dh, gd1w, gd1b, dp2, B, 400, 128);
    for (let i = 0; i < dp2.length; i++) dp2[i] = p2[i] > 0 ? dp2[i] * mask1[i] : 0;
    dc2.fill(0);
    for (let i = 0; i < dp2.length; i++) dc2[from2[i]] += dp2[i];
    convBackward(p1, c2w, dc2, gc2w, gc2b, dp1, conv2);
    dc1.fill(0);
    for (let i = 0; i < dp1.length; i++) if (p1[i] > 0) dc1[from1[i]] += dp1[i];
    convBackward(x, c1w, dc1, gc1w, gc1b, null, conv1);
    // AdamW as PyTorch (and nn's AdamW) writes it: p ← p·(1 − lr·wd), the moments, then the step
    // lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
    t++;
    const stepSize = o.lr / (1 - beta1 ** t);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
    const shrink = 1 - o.lr * o.weightDecay;
    for (let q = 0; q < params.length; q++) {
      const p = params[q];
      const g = grads[q];
      const mq = m[q];
      const vq = v[q];
      for (let i = 0; i < p.length; i++) {
        p[i] *= shrink;
        mq[i] += (1 - beta1) * (g[i] - mq[i]);
        vq[i] = vq[i] * beta2 + (1 - beta2) * (g[i] * g[i]);
        p[i] -= stepSize * (mq[i] / (Math.sqrt(vq[i]) / bc2Sqrt + 1e-8));
      }
    }
    return loss / B;
  };
  return { step };
}
