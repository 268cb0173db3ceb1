/**
 * The article's network drawn as the article draws it: inputs i1, i2 on the left, the hidden
 * neurons h1, h2, the outputs o1, o2 on the right, a bias below each layer, every weight on its
 * line. Each line's width shows its weight's size and its colour its gradient dE_total/dw (red:
 * positive, so the step lowers the weight; blue: negative; paler: smaller). The numbers are SVG
 * text. Weights, biases and the net/out values are buttons (click, Enter or Space) that ask for
 * their derivation. Built once; {@link Diagram.update} changes text and attributes in place, so
 * keyboard focus survives training.
 * @module
 */
import type { Quantity } from './by-hand.js';
import { fmt } from './format.js';

const NS = 'http://www.w3.org/2000/svg';

/**
 * The numbers the diagram shows.
 * @example
 * `diagram.update({ i1: 0.05, i2: 0.1, target1: 0.01, target2: 0.99, w, grad, b1: 0.35, b2: 0.6, f: net.figures() })`
 */
export interface DiagramValues {
  readonly i1: number;
  readonly i2: number;
  readonly target1: number;
  readonly target2: number;
  /** w1..w8. */
  readonly w: readonly number[];
  /** dE_total/dw1..dw8. */
  readonly grad: readonly number[];
  readonly b1: number;
  readonly b2: number;
  readonly f: Readonly<Record<string, number>>;
}

/**
 * The built diagram.
 * @example
 * `diagram.select('w5')`
 */
export interface Diagram {
  readonly svg: SVGSVGElement;
  update(v: DiagramValues): void;
  /** Marks `q` as the one whose derivation is shown. */
  select(q: Quantity | null): void;
}

type Attrs = Record<string, string | number>;
function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, parent?: Element, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  parent?.appendChild(e);
  return e;
}

// Positions: three columns, two rows, biases below.
const X = { in: 90, hid: 370, out: 650 };
const Y = [110, 330];
const R = 34;
const BIAS = { b1: { x: 230, y: 430 }, b2: { x: 510, y: 430 } };
// w_k: from (layer, row) to (layer, row); rows of Dense's weight: w1, w2 into h1; w3, w4 into h2; ...
const EDGES = [
  { q: 'w1', from: [X.in, Y[0]], to: [X.hid, Y[0]] },
  { q: 'w2', from: [X.in, Y[1]], to: [X.hid, Y[0]] },
  { q: 'w3', from: [X.in, Y[0]], to: [X.hid, Y[1]] },
  { q: 'w4', from: [X.in, Y[1]], to: [X.hid, Y[1]] },
  { q: 'w5', from: [X.hid, Y[0]], to: [X.out, Y[0]] },
  { q: 'w6', from: [X.hid, Y[1]], to: [X.out, Y[0]] },
  { q: 'w7', from: [X.hid, Y[0]], to: [X.out, Y[1]] },
  { q: 'w8', from: [X.hid, Y[1]], to: [X.out, Y[1]] },
] as const;

/**
 * Builds the diagram; `onPick` is called with the quantity a reader clicks or presses Enter on.
 * @example
 * `const d = buildDiagram((q) => show(net.derive(q))); container.appendChild(d.svg);`
 */
export function buildDiagram(onPick: (q: Quantity) => void): Diagram {
  const svg = el('svg', { viewBox: '0 0 880 480', role: 'group', 'aria-label': 'The article\'s network: inputs, hidden layer, outputs, weights and biases', class: 'diagram' });
  const defs = el('defs', {}, svg);
  // userSpaceOnUse: the arrowhead keeps its size however thick the line (a weight's size) is
  const marker = el('marker', { id: 'dg-arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 11, markerHeight: 11, markerUnits: 'userSpaceOnUse', orient: 'auto' }, defs);
  el('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#868e96' }, marker);
  const lines = el('g', {}, svg);
  const labels = el('g', {}, svg);
  const buttons = new Map<Quantity, SVGGElement>();
  const texts = new Map<string, SVGTextElement>();

  /** A focusable, clickable group for `q`. */
  const button = (q: Quantity, parent: Element): SVGGElement => {
    const g = el('g', { class: 'pick', tabindex: 0, role: 'button', 'data-pick': q }, parent);
    g.addEventListener('click', () => onPick(q));
    g.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        onPick(q);
      }
    });
    buttons.set(q, g);
    return g;
  };
  const text = (key: string, attrs: Attrs, parent: Element): SVGTextElement => {
    const t = el('text', { 'data-q': key, ...attrs }, parent);
    texts.set(key, t);
    return t;
  };

  // weight lines and their labels, part of the way from the source
  const edgeLines = EDGES.map((e) => {
    const [x1, y1] = e.from, [x2, y2] = e.to;
    const len = Math.hypot(x2 - x1, y2 - y1);
    const ux = (x2 - x1) / len, uy = (y2 - y1) / len;
    return el('line', { x1: x1 + ux * R, y1: y1 + uy * R, x2: x2 - ux * (R + 3), y2: y2 - uy * (R + 3), stroke: '#868e96', 'stroke-width': 2, 'marker-end': 'url(#dg-arrow)' }, lines);
  });
  EDGES.forEach((e) => {
    const [x1, y1] = e.from, [x2, y2] = e.to;
    const t = y1 === y2 ? 0.42 : 0.3; // the crossing lines' labels nearer their source, so the four never overlap
    const cx = x1 + t * (x2 - x1), cy = y1 + t * (y2 - y1);
    const g = button(e.q, labels);
    el('rect', { x: cx - 80, y: cy - 21, width: 160, height: 42, rx: 6, class: 'label-bg' }, g);
    const label = el('text', { x: cx, y: cy - 4, 'text-anchor': 'middle', class: 'wlabel' }, g);
    el('tspan', {}, label, `${e.q} = `);
    const v = el('tspan', { 'data-q': e.q }, label);
    texts.set(e.q, v as unknown as SVGTextElement);
    text(`dE_total/d${e.q}`, { x: cx, y: cy + 14, 'text-anchor': 'middle', class: 'glabel' }, g);
  });

  // biases: a node below each layer, dashed lines to the units it feeds
  for (const [q, p, targetX] of [['b1', BIAS.b1, X.hid], ['b2', BIAS.b2, X.out]] as const) {
    for (const y of Y) el('line', { x1: p.x, y1: p.y - 22, x2: targetX - R * 0.6, y2: y + R * 0.8, stroke: '#adb5bd', 'stroke-width': 1.5, 'stroke-dasharray': '5 4' }, lines);
    const g = button(q, labels);
    el('rect', { x: p.x - 80, y: p.y - 22, width: 160, height: 44, rx: 22, class: 'bias' }, g);
    const t = el('text', { x: p.x, y: p.y - 3, 'text-anchor': 'middle', class: 'wlabel' }, g);
    el('tspan', {}, t, `${q} = `);
    const v = el('tspan', { 'data-q': q }, t);
    texts.set(q, v as unknown as SVGTextElement);
    text(`dE_total/d${q}`, { x: p.x, y: p.y + 13, 'text-anchor': 'middle', class: 'glabel' }, g);
  }

  // neurons
  const neuron = (x: number, y: number, name: string) => {
    el('circle', { cx: x, cy: y, r: R, class: `neuron neuron-${name[0]}` }, svg);
    el('text', { x, y: y + 6, 'text-anchor': 'middle', class: 'neuron-name' }, svg, name);
  };
  neuron(X.in, Y[0], 'i1');
  neuron(X.in, Y[1], 'i2');
  text('i1', { x: X.in, y: Y[0] - R - 10, 'text-anchor': 'middle', class: 'value' }, svg);
  text('i2', { x: X.in, y: Y[1] + R + 20, 'text-anchor': 'middle', class: 'value' }, svg);
  for (const [layer, x] of [['h', X.hid], ['o', X.out]] as const) {
    for (const row of [0, 1]) {
      const name = `${layer}${row + 1}`;
      neuron(x, Y[row], name);
      // net and out above the top neuron, below the bottom one
      const y0 = row === 0 ? Y[0] - R - 30 : Y[1] + R + 20;
      for (const [k, kind] of ['net', 'out'].entries()) {
        const q = `${kind}_${name}` as Quantity;
        const g = button(q, svg);
        const t = el('text', { x, y: y0 + 16 * k, 'text-anchor': 'middle', class: 'value' }, g);
        el('tspan', {}, t, `${q} = `);
        const v = el('tspan', { 'data-q': q }, t);
        texts.set(q, v as unknown as SVGTextElement);
      }
    }
  }
  // targets and errors, right of the outputs; E_total between them
  for (const row of [0, 1]) {
    const y = Y[row];
    const t1 = el('text', { x: X.out + R + 12, y: y - 6, class: 'value' }, svg);
    el('tspan', {}, t1, `target_o${row + 1} = `);
    texts.set(`target_o${row + 1}`, el('tspan', { 'data-q': `target_o${row + 1}` }, t1) as unknown as SVGTextElement);
    const t2 = el('text', { x: X.out + R + 12, y: y + 12, class: 'value' }, svg);
    el('tspan', {}, t2, `E_o${row + 1} = `);
    texts.set(`E_o${row + 1}`, el('tspan', { 'data-q': `E_o${row + 1}` }, t2) as unknown as SVGTextElement);
  }
  const et = el('text', { x: X.out + R + 12, y: (Y[0] + Y[1]) / 2 + 5, class: 'value total' }, svg);
  el('tspan', {}, et, 'E_total = ');
  texts.set('E_total', el('tspan', { 'data-q': 'E_total' }, et) as unknown as SVGTextElement);
  // layer captions
  for (const [x, caption] of [[X.in, 'inputs'], [X.hid, 'hidden layer'], [X.out, 'output layer']] as const) el('text', { x, y: 474, 'text-anchor': 'middle', class: 'caption' }, svg, caption);

  const setText = (key: string, value: number) => {
    const t = texts.get(key);
    if (t !== undefined) t.textContent = fmt(value);
  };

  return {
    svg,
    update(v) {
      setText('i1', v.i1);
      setText('i2', v.i2);
      setText('target_o1', v.target1);
      setText('target_o2', v.target2);
      setText('b1', v.b1);
      setText('b2', v.b2);
      for (const k of ['net_h1', 'net_h2', 'out_h1', 'out_h2', 'net_o1', 'net_o2', 'out_o1', 'out_o2', 'E_o1', 'E_o2', 'E_total']) setText(k, v.f[k]);
      const maxW = Math.max(...v.w.map(Math.abs), 1e-12);
      const maxG = Math.max(...v.grad.map(Math.abs), 1e-12);
      EDGES.forEach((e, k) => {
        setText(e.q, v.w[k]);
        const g = v.grad[k];
        const t = texts.get(`dE_total/d${e.q}`)!;
        t.textContent = `∂E/∂${e.q} = ${fmt(g)}`;
        const strength = Math.min(1, Math.abs(g) / maxG);
        // red for a positive gradient (the step lowers the weight), blue for a negative one
        const color = g >= 0 ? `rgba(201, 42, 42, ${0.25 + 0.75 * strength})` : `rgba(25, 113, 194, ${0.25 + 0.75 * strength})`;
        edgeLines[k].setAttribute('stroke', color);
        edgeLines[k].setAttribute('stroke-width', (1.5 + 7 * Math.abs(v.w[k]) / maxW).toFixed(2));
        buttons.get(e.q)!.setAttribute('aria-label', `${e.q} = ${fmt(v.w[k])}, dE_total/d${e.q} = ${fmt(g)}: show the chain rule`);
      });
      for (const q of ['b1', 'b2'] as const) {
        const g = v.f[`dE_total/d${q}`];
        texts.get(`dE_total/d${q}`)!.textContent = `∂E/∂${q} = ${fmt(g)}`;
        buttons.get(q)!.setAttribute('aria-label', `${q} = ${fmt(q === 'b1' ? v.b1 : v.b2)}, dE_total/d${q} = ${fmt(g)}: show the chain rule`);
      }
      for (const q of ['net_h1', 'net_h2', 'out_h1', 'out_h2', 'net_o1', 'net_o2', 'out_o1', 'out_o2'] as const) {
        buttons.get(q)!.setAttribute('aria-label', `${q} = ${fmt(v.f[q])}, dE_total/d${q} = ${fmt(v.f[`dE_total/d${q}`])}: show the chain rule`);
      }
    },
    select(q) {
      for (const [k, g] of buttons) g.classList.toggle('selected', k === q);
    },
  };
}
