/**
 * The article's section of the page: the network diagram, the figures, the derivation of a clicked
 * quantity, both update orders' loss curves, the editable values and the graph picture. Two
 * networks train in lockstep, one per update order; the switch picks the one shown.
 * @module
 */
import { toSvg, type Tensor } from '@chainrule/core';
import { ARTICLE_SETTINGS, ArticleNetwork, type ArticleSettings, type UpdateOrder } from './article-model.js';
import type { Quantity } from './by-hand.js';
import { lineChart } from './chart.js';
import { buildDiagram } from './diagram.js';
import { byId, escapeHtml } from './dom.js';
import { fmt } from './format.js';

/** The figures the article prints, as printed (../shared/seed/README.md), for the comparison column. */
const PRINTED: Record<string, string> = {
  net_h1: '0.3775', out_h1: '0.593269992', out_h2: '0.596884378', net_o1: '1.105905967', out_o1: '0.75136507', out_o2: '0.772928465',
  E_o1: '0.274811083', E_o2: '0.023560026', E_total: '0.298371109',
  'dE_total/dout_o1': '0.74136507', 'dout_o1/dnet_o1': '0.186815602', 'dnet_o1/dw5': '0.593269992', 'dE_total/dw5': '0.082167041',
  'dE_o1/dnet_o1': '0.138498562', 'dnet_o1/dout_h1': '0.40', 'dE_o1/dout_h1': '0.055399425', 'dE_o2/dout_h1': '-0.019049119',
  'dE_total/dout_h1': '0.036350306', 'dout_h1/dnet_h1': '0.241300709', 'dnet_h1/dw1': '0.05', 'dE_total/dw1': '0.000438568',
  'w1+': '0.149780716', 'w2+': '0.19956143', 'w3+': '0.24975114', 'w4+': '0.29950229',
  'w5+': '0.35891648', 'w6+': '0.408666186', 'w7+': '0.511301270', 'w8+': '0.561370121',
};

const FIGURE_ROWS: [string, string[]][] = [
  ['forward pass', ['net_h1', 'net_h2', 'out_h1', 'out_h2', 'net_o1', 'net_o2', 'out_o1', 'out_o2']],
  ['error', ['E_o1', 'E_o2', 'E_total']],
  ['backward: output layer', ['dE_total/dout_o1', 'dout_o1/dnet_o1', 'dnet_o1/dw5', 'dE_total/dw5']],
  ['backward: hidden layer', ['dE_o1/dnet_o1', 'dnet_o1/dout_h1', 'dE_o1/dout_h1', 'dE_o2/dout_h1', 'dE_total/dout_h1', 'dout_h1/dnet_h1', 'dnet_h1/dw1', 'dE_total/dw1']],
];

const NOTES: Record<string, string> = {
  out_o1: 'right after the forward pass the article also prints "output" 0.75136079: a typo for this value (it uses 0.75136507 everywhere after)',
  'dE_o2/dout_h1': 'the article rounds δ_o2 to 9 decimals before multiplying by w7; the exact value rounds to …118',
};

const ORDER_LABEL: Record<UpdateOrder, string> = { 'gradient-descent': 'gradient descent', article: 'the article\'s order' };
const ORDER_NOTE: Record<UpdateOrder, string> = {
  'gradient-descent': 'Gradient descent: every gradient is taken at the weights of the forward pass, as the article\'s rules say. ' +
    'After one iteration E_total is 0.291027774; the article prints 0.291027924, which the other order gives.',
  article: 'The article\'s order: w5..w8 are updated first, then the hidden layer\'s error is sent back through the already-updated w5..w8. ' +
    'That is how the article gets E_total = 0.291027924 after one iteration and its 10,000-iteration figures; it is not gradient descent.',
};

/**
 * Wires the article's section. Returns the function the animation loop calls each frame.
 * @example
 * `const article = setupArticle(); requestAnimationFrame((t) => article.frame(t));`
 */
export function setupArticle(): { frame(now: number): void; running(): boolean } {
  const nets: Record<UpdateOrder, ArticleNetwork> = {
    'gradient-descent': new ArticleNetwork('gradient-descent'),
    article: new ArticleNetwork('article'),
  };
  let shown: UpdateOrder = 'gradient-descent';
  let selected: Quantity | null = null;
  let running = false;
  let runTo = Infinity;
  let lastGraph = 0;
  let lastRender = 0;
  let lastDerivation = 0;

  const diagram = buildDiagram((q) => {
    selected = q;
    renderDerivation();
    diagram.select(q);
  });
  byId('article-diagram').appendChild(diagram.svg);

  // ------------------------------------------------------------------ tables
  const figures = byId('article-figures') as HTMLTableElement;
  figures.innerHTML =
    '<caption class="sr-only">The article\'s figures at the current weights, beside what the article prints at iteration 0</caption>' +
    '<thead><tr><th scope="col">quantity</th><th scope="col">now</th><th scope="col">the article prints (iteration 0)</th></tr></thead>' +
    FIGURE_ROWS.map(([section, keys]) =>
      `<tbody><tr class="section"><th colspan="3" scope="rowgroup">${section}</th></tr>` +
      keys.map((k) => `<tr><th scope="row">${k}</th><td class="num" data-q="${k}"></td><td class="num printed">${PRINTED[k] ?? '—'}${NOTES[k] ? `<span class="note">${escapeHtml(NOTES[k])}</span>` : ''}</td></tr>`).join('') +
      '</tbody>').join('');
  const weights = byId('article-weights') as HTMLTableElement;
  const wq = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8', 'b1', 'b2'];
  weights.innerHTML =
    '<caption class="sr-only">Each weight and bias, its gradient, and its value after the next step in the update order shown</caption>' +
    '<thead><tr><th scope="col">weight</th><th scope="col">now</th><th scope="col">∂E_total/∂</th><th scope="col">after the next step</th><th scope="col">the article prints (w+)</th></tr></thead><tbody>' +
    wq.map((q) => `<tr><th scope="row"><button type="button" class="linkish" data-pick="${q}">${q}</button></th><td class="num" data-q="${q}"></td><td class="num" data-q="dE_total/d${q}"></td><td class="num" data-q="${q}+"></td><td class="num printed">${PRINTED[`${q}+`] ?? '—'}</td></tr>`).join('') +
    '</tbody>';
  weights.addEventListener('click', (e) => {
    const b = (e.target as Element).closest('[data-pick]');
    if (b === null) return;
    selected = b.getAttribute('data-pick') as Quantity;
    renderDerivation();
    diagram.select(selected);
  });

  // ------------------------------------------------------------------ the form
  const form = byId('article-form') as HTMLFormElement;
  const fields: [string, string][] = [
    ['i1', 'i1'], ['i2', 'i2'], ['target1', 'target o1'], ['target2', 'target o2'],
    ...Array.from({ length: 8 }, (_, k) => [`w${k + 1}`, `w${k + 1}`] as [string, string]),
    ['b1', 'b1'], ['b2', 'b2'], ['lr', 'learning rate η'],
  ];
  form.innerHTML = fields.map(([id, label]) => `<label>${label}<input type="number" step="any" required id="edit-${id}" name="${id}"></label>`).join('') +
    '<label class="check"><input type="checkbox" id="edit-trainBiases" name="trainBiases"> also train the biases (the article never does)</label>';
  const input = (id: string) => byId(`edit-${id}`) as HTMLInputElement;
  const readForm = (): ArticleSettings | null => {
    const n = (id: string) => Number(input(id).value);
    const values = fields.map(([id]) => n(id));
    if (values.some((v) => !Number.isFinite(v) || input(fields[0][0]).value === '') || !(n('lr') > 0)) return null;
    return {
      i1: n('i1'), i2: n('i2'), target1: n('target1'), target2: n('target2'),
      w: Array.from({ length: 8 }, (_, k) => n(`w${k + 1}`)),
      b1: n('b1'), b2: n('b2'), lr: n('lr'), trainBiases: input('trainBiases').checked,
    };
  };
  const fillForm = (force = false) => {
    const v = nets[shown].values();
    const values: Record<string, number> = { i1: v.i1, i2: v.i2, target1: v.target1, target2: v.target2, b1: v.b1, b2: v.b2, lr: v.lr };
    v.w.forEach((w, k) => (values[`w${k + 1}`] = w));
    for (const [id] of fields) {
      const el = input(id);
      if (force || document.activeElement !== el) el.value = String(values[id]);
    }
    input('trainBiases').checked = v.trainBiases;
  };
  form.addEventListener('change', () => {
    const s = readForm();
    if (s === null) return; // an empty or invalid field: wait for a number
    pause();
    for (const net of Object.values(nets)) net.reset(s);
    render();
  });
  form.addEventListener('submit', (e) => e.preventDefault());

  // ------------------------------------------------------------------ rendering
  const status = byId('article-status');
  const setCells = (root: Element, values: Record<string, number>) => {
    for (const cell of root.querySelectorAll<HTMLElement>('td[data-q]')) {
      const v = values[cell.dataset.q!];
      cell.textContent = v === undefined ? '' : fmt(v);
    }
  };

  function renderDerivation(): void {
    const box = byId('derivation');
    if (selected === null) return;
    const net = nets[shown];
    const d = net.derive(selected);
    const e = d.explanation;
    box.innerHTML =
      `<h3 id="derivation-h">∂E_total/∂${selected} <small>iteration ${net.iteration}, ${ORDER_LABEL[shown]}</small></h3>` +
      `<p>The chain rule, as <code>explain()</code> reads it from the recorded graph: ${e.pathCount === 1 ? 'one path' : `${e.pathCount} paths`} from E_total to ${selected}, every factor with its value.</p>` +
      `<pre id="derivation-text" tabindex="0">${escapeHtml(e.toString())}</pre>` +
      '<table class="compare"><caption class="sr-only">The same derivative four ways</caption><tbody>' +
      `<tr><th scope="row">chain rule (explain)</th><td class="num" data-q="explain">${fmt(e.total)}</td></tr>` +
      `<tr><th scope="row">autodiff (backward)</th><td class="num" data-q="autodiff">${fmt(e.autodiff)}</td></tr>` +
      `<tr><th scope="row">by hand (the article's formulas)</th><td class="num" data-q="by-hand">${fmt(d.byHand.value)}</td></tr>` +
      `<tr><th scope="row">finite difference (central, ε = 1e-6)</th><td class="num" data-q="finite-difference">${fmt(d.finiteDifference)}</td></tr>` +
      '</tbody></table>' +
      `<details open><summary>The hand derivation</summary><pre class="hand">${escapeHtml(d.byHand.formula)}</pre></details>`;
  }

  function renderCurves(): void {
    const a = nets['gradient-descent'].losses.map((y, x) => ({ x, y }));
    const b = nets.article.losses.map((y, x) => ({ x, y }));
    const chart = (order: UpdateOrder, own: typeof a, other: typeof a, color: string) => lineChart(
      [{ name: ORDER_LABEL[order], color, points: own }, { name: order === 'article' ? 'gradient descent' : 'the article\'s order', color: '#adb5bd', points: other, dashed: true }],
      { title: `E_total, ${ORDER_LABEL[order]}`, xLabel: 'iteration', yLabel: 'E_total', logY: true },
    );
    byId('article-curves').innerHTML =
      `<div class="curve${shown === 'gradient-descent' ? ' shown' : ''}">${chart('gradient-descent', a, b, '#1971c2')}</div>` +
      `<div class="curve${shown === 'article' ? ' shown' : ''}">${chart('article', b, a, '#e8590c')}</div>`;
  }

  function renderGraph(force: boolean): void {
    const box = byId('article-graph-box') as HTMLDetailsElement;
    const now = performance.now();
    if (!box.open || (!force && now - lastGraph < 750)) return;
    lastGraph = now;
    const net = nets[shown];
    const f = net.forward();
    const layer = new Map<Tensor, string>([
      [net.hidden.weight, 'hidden layer'], [net.hidden.bias!, 'hidden layer'], [f.netH, 'hidden layer'], [f.outH, 'hidden layer'],
      [net.output.weight, 'output layer'], [net.output.bias!, 'output layer'], [f.netO, 'output layer'], [f.outO, 'output layer'],
    ]);
    byId('article-graph').innerHTML = toSvg(f.E_total, { values: true, gradients: true, group: (t) => layer.get(t), idPrefix: 'article', title: `iteration ${net.iteration}, ${ORDER_LABEL[shown]}` });
  }

  function render(forceGraph = true): void {
    const net = nets[shown];
    const f = net.figures();
    const v = net.values();
    const grad = Array.from({ length: 8 }, (_, k) => f[`dE_total/dw${k + 1}`]);
    diagram.update({ i1: v.i1, i2: v.i2, target1: v.target1, target2: v.target2, w: v.w, grad, b1: v.b1, b2: v.b2, f });
    setCells(figures, f);
    const next = net.nextValues();
    const wv: Record<string, number> = { b1: v.b1, b2: v.b2, 'b1+': next.b1, 'b2+': next.b2, 'dE_total/db1': f['dE_total/db1'], 'dE_total/db2': f['dE_total/db2'] };
    v.w.forEach((w, k) => {
      wv[`w${k + 1}`] = w;
      wv[`w${k + 1}+`] = next.w[k];
      wv[`dE_total/dw${k + 1}`] = f[`dE_total/dw${k + 1}`];
    });
    setCells(weights, wv);
    const other: UpdateOrder = shown === 'article' ? 'gradient-descent' : 'article';
    status.innerHTML =
      `Iteration <span data-q="iteration">${net.iteration}</span> · E_total = <span data-q="E_total-now">${fmt(f.E_total)}</span> (${ORDER_LABEL[shown]}) · ` +
      `${ORDER_LABEL[other]}: <span data-q="E_total-other">${fmt(nets[other].losses[nets[other].losses.length - 1])}</span>`;
    byId('order-note').textContent = ORDER_NOTE[shown];
    fillForm();
    renderCurves();
    // while running, the derivation (explain and finite differences) is redone twice a second
    const now = performance.now();
    if (selected !== null && (forceGraph || now - lastDerivation > 500)) {
      lastDerivation = now;
      renderDerivation();
    }
    renderGraph(forceGraph);
  }

  // ------------------------------------------------------------------ controls
  const buttons = {
    step: byId('article-step') as HTMLButtonElement,
    run: byId('article-run') as HTMLButtonElement,
    pause: byId('article-pause') as HTMLButtonElement,
    reset: byId('article-reset') as HTMLButtonElement,
    to10000: byId('article-to-10000') as HTMLButtonElement,
  };
  const speed = byId('article-speed') as HTMLSelectElement;
  const stepBoth = () => {
    nets['gradient-descent'].step();
    nets.article.step();
  };
  function start(to = Infinity): void {
    running = true;
    runTo = to;
    buttons.run.disabled = true;
    buttons.to10000.disabled = true;
    buttons.step.disabled = true;
    buttons.pause.disabled = false;
  }
  function pause(): void {
    if (!running) return;
    running = false;
    buttons.run.disabled = false;
    buttons.to10000.disabled = false;
    buttons.step.disabled = false;
    buttons.pause.disabled = true;
    render();
  }
  buttons.step.addEventListener('click', () => {
    stepBoth();
    render();
  });
  buttons.run.addEventListener('click', () => start());
  buttons.to10000.addEventListener('click', () => start(10000));
  buttons.pause.addEventListener('click', pause);
  buttons.reset.addEventListener('click', () => {
    pause();
    for (const net of Object.values(nets)) net.reset(ARTICLE_SETTINGS);
    fillForm(true);
    render();
  });
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="order"]')) {
    radio.addEventListener('change', () => {
      if (!radio.checked) return;
      shown = radio.value as UpdateOrder;
      fillForm(true);
      render();
    });
  }
  (byId('article-graph-box') as HTMLDetailsElement).addEventListener('toggle', () => renderGraph(true));

  fillForm(true);
  render();

  return {
    running: () => running,
    frame(now) {
      if (!running) return;
      const t0 = performance.now();
      if (runTo < Infinity) {
        // as fast as a frame allows, up to the target, showing progress ten times a second
        while (nets[shown].iteration < runTo && performance.now() - t0 < 30) stepBoth();
        if (nets[shown].iteration >= runTo) {
          pause();
          return;
        }
        if (now - lastRender < 100) return;
      } else {
        for (let k = Number(speed.value); k > 0; k--) stepBoth();
      }
      lastRender = now;
      render(false);
    },
  };
}
