/**
 * The "beyond the article" section: settings, training controls, the decision boundary as a heat
 * map (a canvas of colours; its axes, legend and every number are text), the live loss curve, the
 * graph of the current step, and weights exported and imported as JSON.
 * @module
 */
import { lineChart } from './chart.js';
import { byId, escapeHtml } from './dom.js';
import { fmt, fmtShort } from './format.js';
import { DATASET_DEFAULTS, Trainer, XOR_PRESET, importWeights, type TrainerSettings } from './trainer-model.js';

const RES = 60; // heat map cells per side

/** Blue (0) through white (0.5) to orange (1). */
function colour(p: number): [number, number, number] {
  const t = Math.max(0, Math.min(1, p));
  const blue = [25, 113, 194], white = [248, 249, 250], orange = [232, 89, 12];
  const [a, b, u] = t < 0.5 ? [blue, white, t / 0.5] : [white, orange, (t - 0.5) / 0.5];
  return [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * u)) as [number, number, number];
}

/**
 * Wires the section. Returns the function the animation loop calls each frame.
 * @example
 * `const trainer = setupTrainer(); requestAnimationFrame((t) => trainer.frame(t));`
 */
export function setupTrainer(): { frame(now: number): void; running(): boolean } {
  const f = {
    dataset: byId('trainer-dataset') as HTMLSelectElement,
    layers: byId('trainer-layers') as HTMLInputElement,
    units: byId('trainer-units') as HTMLInputElement,
    activation: byId('trainer-activation') as HTMLSelectElement,
    lr: byId('trainer-lr') as HTMLInputElement,
    optimizer: byId('trainer-optimizer') as HTMLSelectElement,
    batch: byId('trainer-batch') as HTMLSelectElement,
    loss: byId('trainer-loss') as HTMLSelectElement,
    seed: byId('trainer-seed') as HTMLInputElement,
  };
  const errorBox = byId('trainer-error');
  const setForm = (s: TrainerSettings) => {
    f.dataset.value = s.dataset;
    f.layers.value = String(s.layers);
    f.units.value = String(s.units);
    f.activation.value = s.activation;
    f.lr.value = String(s.lr);
    f.optimizer.value = s.optimizer;
    f.batch.value = s.batch;
    f.loss.value = s.loss;
    f.seed.value = String(s.seed);
  };
  const readForm = (): TrainerSettings => ({
    dataset: f.dataset.value as TrainerSettings['dataset'],
    layers: Number(f.layers.value),
    units: Number(f.units.value),
    activation: f.activation.value as TrainerSettings['activation'],
    lr: Number(f.lr.value),
    optimizer: f.optimizer.value as TrainerSettings['optimizer'],
    batch: f.batch.value as TrainerSettings['batch'],
    loss: f.loss.value as TrainerSettings['loss'],
    seed: Number(f.seed.value),
  });

  let trainer = new Trainer(XOR_PRESET);
  setForm(XOR_PRESET);
  let running = false;
  let lastMap = 0;
  let lastGraph = 0;
  let downloadUrl: string | null = null;

  // the heat map: a canvas of RES × RES cells under an SVG with the points, axes and legend as text
  const map = byId('trainer-map');
  map.innerHTML = `<canvas width="${RES}" height="${RES}" aria-hidden="true"></canvas><svg class="overlay" viewBox="-14 -4 122 122" role="img" aria-label="The data points over the network's output"></svg>`;
  const canvas = map.querySelector('canvas')!;
  const ctx = canvas.getContext('2d')!;
  const overlay = map.querySelector('svg')!;

  const rebuild = (s: TrainerSettings) => {
    try {
      trainer = new Trainer(s);
      errorBox.textContent = '';
    } catch (e) {
      errorBox.textContent = (e as Error).message;
      return;
    }
    drawPoints();
    render(true);
  };

  function drawPoints(): void {
    const [lo, hi] = trainer.data.extent;
    const sx = (v: number) => ((v - lo) / (hi - lo)) * 100;
    const pts = trainer.data.x.map(([x, y], i) =>
      `<circle cx="${sx(x).toFixed(2)}" cy="${(100 - sx(y)).toFixed(2)}" r="${trainer.data.x.length <= 4 ? 3 : 1.4}" class="${trainer.data.y[i] === 1 ? 'p1' : 'p0'}"><title>(${fmt(x)}, ${fmt(y)}): ${trainer.data.y[i]}</title></circle>`).join('');
    const ticks = [lo, (lo + hi) / 2, hi].map((v) =>
      `<text x="${sx(v)}" y="111" text-anchor="middle" class="tick">${fmtShort(v)}</text><text x="-2" y="${100 - sx(v) + 2}" text-anchor="end" class="tick">${fmtShort(v)}</text>`).join('');
    overlay.innerHTML = `<rect x="0" y="0" width="100" height="100" class="map-frame"/>${pts}${ticks}<text x="50" y="118" text-anchor="middle" class="tick">x₁ (y axis: x₂)</text>`;
  }

  function drawMap(): void {
    const g = trainer.grid(RES);
    const img = ctx.createImageData(RES, RES);
    for (let i = 0; i < g.length; i++) {
      const [r, gg, b] = colour(g[i]);
      img.data[4 * i] = r;
      img.data[4 * i + 1] = gg;
      img.data[4 * i + 2] = b;
      img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    let lo = Infinity, hi = -Infinity;
    for (const v of g) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    byId('trainer-map-caption').textContent = `The network's output over the plane (blue 0, white 0.5, orange 1), here from ${fmt(lo)} to ${fmt(hi)}, and the ${trainer.data.x.length} points (orange: label 1, blue: label 0).`;
  }

  function render(force: boolean): void {
    const now = performance.now();
    const s = trainer.settings;
    const lossName = s.loss === 'halfSum' ? `E = Σ ½(target − out)² over the ${trainer.data.x.length} samples` : 'binary cross-entropy, mean over the samples';
    byId('trainer-status').innerHTML =
      `Step <span data-q="trainer-iteration">${trainer.iteration}</span> · loss (${escapeHtml(lossName)}) = <span data-q="trainer-loss">${fmt(trainer.loss())}</span>` +
      ` · accuracy <span data-q="trainer-accuracy">${fmt(100 * trainer.accuracy())}</span>% · network 2-${trainer.hidden.join('-')}${trainer.hidden.length > 0 ? '-' : ''}1`;
    if (force || now - lastMap > 100) {
      lastMap = now;
      drawMap();
      byId('trainer-curve').innerHTML = lineChart([{ name: 'loss', color: '#1971c2', points: trainer.curve.map((p) => ({ x: p.step, y: p.loss })) }], { title: 'loss over the whole dataset', xLabel: 'step', yLabel: 'loss', logY: true });
    }
    const box = byId('trainer-graph-box') as HTMLDetailsElement;
    if (box.open && (force || now - lastGraph > 1000)) {
      lastGraph = now;
      byId('trainer-graph').innerHTML = trainer.graphSvg();
    }
  }

  // ------------------------------------------------------------------ controls
  const b = {
    step: byId('trainer-step') as HTMLButtonElement,
    run: byId('trainer-run') as HTMLButtonElement,
    pause: byId('trainer-pause') as HTMLButtonElement,
    reset: byId('trainer-reset') as HTMLButtonElement,
  };
  const every = () => (trainer.settings.batch === 'one' ? 25 : 5);
  const pause = () => {
    if (!running) return;
    running = false;
    b.run.disabled = b.step.disabled = false;
    b.pause.disabled = true;
    render(true);
  };
  b.step.addEventListener('click', () => {
    trainer.train(1, 1);
    render(true);
  });
  b.run.addEventListener('click', () => {
    running = true;
    b.run.disabled = b.step.disabled = true;
    b.pause.disabled = false;
  });
  b.pause.addEventListener('click', pause);
  b.reset.addEventListener('click', () => {
    pause();
    rebuild(readForm());
  });
  byId('trainer-preset-xor').addEventListener('click', () => {
    pause();
    setForm(XOR_PRESET);
    rebuild(XOR_PRESET);
  });
  let previousDataset = f.dataset.value;
  for (const el of Object.values(f)) {
    el.addEventListener('change', () => {
      pause();
      // a new kind of data gets settings that suit it; any other change keeps the rest
      if (el === f.dataset && (previousDataset === 'xor4') !== (f.dataset.value === 'xor4')) {
        setForm(f.dataset.value === 'xor4' ? XOR_PRESET : { ...DATASET_DEFAULTS, dataset: f.dataset.value as TrainerSettings['dataset'] });
      }
      previousDataset = f.dataset.value;
      rebuild(readForm());
    });
  }
  (byId('trainer-graph-box') as HTMLDetailsElement).addEventListener('toggle', () => render(true));

  // weights as JSON
  const json = byId('trainer-json') as HTMLTextAreaElement;
  const download = byId('trainer-download') as HTMLAnchorElement;
  byId('trainer-export').addEventListener('click', () => {
    const text = trainer.exportWeights();
    json.value = text;
    if (downloadUrl !== null) URL.revokeObjectURL(downloadUrl);
    downloadUrl = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    download.href = downloadUrl;
    download.hidden = false;
  });
  const load = (text: string) => {
    pause();
    try {
      trainer = importWeights(readForm(), text);
      setForm(trainer.settings);
      errorBox.textContent = '';
      drawPoints();
      render(true);
    } catch (e) {
      errorBox.textContent = (e as Error).message;
    }
  };
  byId('trainer-import').addEventListener('click', () => load(json.value));
  const file = byId('trainer-file') as HTMLInputElement;
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (chosen === undefined) return;
    chosen.text().then((text) => {
      json.value = text;
      load(text);
    }, (e: unknown) => (errorBox.textContent = `weights: could not read the file (${String(e)})`));
  });

  drawPoints();
  render(true);

  return {
    running: () => running,
    frame(now) {
      if (!running) return;
      const n = every();
      while (performance.now() - now < 12) trainer.train(n, n);
      render(false);
    },
  };
}
