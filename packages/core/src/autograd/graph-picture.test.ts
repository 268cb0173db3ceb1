// Graph pictures: the boxes, arrows, values and gradients they show (checked against the article's
// printed figures, ../shared/seed), the three formats, collapsing of repeated structure, and a
// layout whose boxes do not overlap.
import { describe, expect, it } from 'vitest';
import { nameElements, randn, tensor, type Tensor } from '../index.js';
import { buildPicture, toDot, toMermaid, toSvg } from './graph-picture.js';

/** The article's 2-2-2 network with core ops, every intermediate named as the article names it. */
function articleGraph() {
  const Wh = nameElements(tensor([[0.15, 0.2], [0.25, 0.3]], { requiresGrad: true }), ['w1', 'w2', 'w3', 'w4']);
  const Wo = nameElements(tensor([[0.4, 0.45], [0.5, 0.55]], { requiresGrad: true }), ['w5', 'w6', 'w7', 'w8']);
  const x = nameElements(tensor([[0.05, 0.1]]), ['i1', 'i2']);
  const netH = nameElements(x.matmul(Wh.transpose()).add(0.35), ['net_h1', 'net_h2']);
  const outH = nameElements(netH.sigmoid(), ['out_h1', 'out_h2']);
  const netO = nameElements(outH.matmul(Wo.transpose()).add(0.6), ['net_o1', 'net_o2']);
  const outO = nameElements(netO.sigmoid(), ['out_o1', 'out_o2']);
  const E = tensor([[0.01, 0.99]]).sub(outO).square().mul(0.5).sum().named('E_total');
  return { Wh, Wo, x, netH, outH, netO, outO, E };
}

/** A deep MLP: `layers` × (matmul, add, tanh), each layer with its own W and b, then a mean square. */
function deepMlp(layers: number) {
  let h = randn([4, 8], { seed: 1 });
  for (let l = 0; l < layers; l++) {
    const W = randn([8, 8], { seed: 10 + l, requiresGrad: true }).named(`W${l}`);
    const b = randn([8], { seed: 100 + l, requiresGrad: true }).named(`b${l}`);
    h = h.matmul(W).add(b).tanh();
  }
  return h.square().mean().named('loss');
}

/** The boxes of an SVG picture: [x, y, width, height] of each `data-node` group's rectangle. */
function boxes(svg: string): [number, number, number, number][] {
  return [...svg.matchAll(/<g data-node="[^"]+"[^>]*><rect x="([\d.-]+)" y="([\d.-]+)" width="([\d.]+)" height="([\d.]+)"/g)].map((m) => [
    Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]),
  ]);
}

describe('the picture of the article\'s graph', () => {
  it('one box per tensor, constants written into their op, arrows labelled with input names', () => {
    const { E } = articleGraph();
    const p = buildPicture(E);
    // leaves: Wh, Wo, x, target; ops: 2 transposes, 2 matmuls, 2 adds, 2 sigmoids, sub, square, mul, sum
    expect(p.nodes.map((n) => n.kind).sort()).toEqual([...Array(4).fill('input').slice(0, 2), ...Array(12).fill('op'), 'param', 'param'].sort());
    expect(p.tensorCount).toBe(19); // + the three one-element constants 0.35, 0.6, 0.5
    expect(p.nodes.map((n) => n.title)).toContain('add (b = 0.35)');
    expect(p.nodes.map((n) => n.title)).toContain('mul (b = 0.5)');
    expect(p.nodes.find((n) => n.isOutput)!.title).toBe('sum: E_total');
    expect(p.nodes.map((n) => n.title)).toContain('w1, w2, w3, w4');
    expect(p.edges).toHaveLength(15);
    // the constant input and target carry no gradient
    expect(p.edges.filter((e) => !e.carriesGradient).map((e) => e.label).sort()).toEqual(['a', 'a']);
  });

  it('values and gradients: the article\'s printed figures, in the boxes where they belong', () => {
    const { E } = articleGraph();
    const dot = toDot(E, { values: true, gradients: true });
    for (const line of [
      'net_h1 = 0.3775', 'out_h1 = 0.593269992', 'out_h2 = 0.596884378', 'net_o1 = 1.105905967', 'out_o1 = 0.75136507',
      'out_o2 = 0.772928465', 'E_total = 0.298371109', '∂E_total/∂out_o1 = 0.74136507', '∂E_total/∂w5 = 0.082167041',
      '∂E_total/∂net_o1 = 0.138498562', '∂E_total/∂out_h1 = 0.036350306', '∂E_total/∂w1 = 0.000438568',
    ]) expect(dot, line).toContain(`\\l${line}\\l`);
    // [0.274811083, 0.023560026] are E_o1 and E_o2, the terms before the sum
    expect(dot).toContain('value = [0.274811083, 0.023560026]');
  });

  it('gradients after backward(): the stored .grad of the leaves (the graph is freed)', () => {
    const { E, Wo } = articleGraph();
    E.backward();
    const p = buildPicture(E, { gradients: true });
    const wo = p.nodes.find((n) => n.tensorIds[0] === Wo.id)!;
    expect(wo.lines).toContain('∂E_total/∂w5 = 0.082167041');
    const outO = p.nodes.find((n) => n.title === 'sigmoid' && n.lines.some((l) => l.includes('out_o1')))!;
    expect(outO.lines.some((l) => l.startsWith('∂'))).toBe(false); // intermediates keep no .grad
  });

  it('computing the gradients keeps the graph: backward still works afterwards', () => {
    const { E, Wh } = articleGraph();
    toSvg(E, { gradients: true });
    E.backward();
    expect(Math.round(Wh.grad!.buffer[0] * 1e9) / 1e9).toBe(0.000438568);
  });

  it('DOT: a digraph with a box per tensor, dashed arrows without gradient, clusters for groups', () => {
    const { E, Wh, netH, outH } = articleGraph();
    const hidden = new Set<Tensor>([Wh, netH, outH]);
    const dot = toDot(E, { group: (t) => (hidden.has(t) ? 'hidden layer' : undefined), direction: 'LR', title: 'article' });
    expect(dot.startsWith('digraph chainrule {\n  rankdir=LR;\n  label="article"; labelloc=t;')).toBe(true);
    expect(dot).toContain('subgraph cluster_0 {\n    label="hidden layer";');
    expect(dot.match(/ -> /g)).toHaveLength(15);
    expect(dot.match(/style=dashed, color="#999999"/g)).toHaveLength(2);
    expect(dot.trimEnd().endsWith('}')).toBe(true);
  });

  it('Mermaid: a flowchart with one line per box and per arrow, shapes by kind', () => {
    const x = tensor([1, 2], { requiresGrad: true, name: 'x' });
    const m = toMermaid(x.square().sum().named('loss'));
    const id = (t: number) => `t${t}`;
    const sq = x.id + 1;
    expect(m).toContain('flowchart TB\n');
    expect(m).toContain(`  ${id(x.id)}(["<b>x</b><br/>[2]"])\n`);
    expect(m).toContain(`  ${id(x.id)} -->|"x"| ${id(sq)}\n`);
    expect(m).toMatch(/classDef param /);
    expect(m).toContain(`  class ${id(x.id)} param\n`);
  });

  it('escapes names in every format', () => {
    const x = tensor(2, { requiresGrad: true, name: 'a <b> & "c"' });
    const y = x.mul(x);
    expect(toSvg(y)).toContain('a &lt;b&gt; &amp; &quot;c&quot;');
    expect(toDot(y)).toContain('a <b> & \\"c\\"');
    expect(toMermaid(y)).toContain('a #lt;b#gt; #amp; #quot;c#quot;');
  });

  it('large tensors show a summary; maxElements sets where that starts', () => {
    const w = randn([10, 10], { seed: 3, requiresGrad: true }).named('W');
    const p = buildPicture(w.sum(), { values: true });
    const box = p.nodes.find((n) => n.title === 'W')!;
    expect(box.lines[0]).toBe('[10,10]');
    expect(box.lines[1]).toMatch(/^value: min -?[\d.]+, max -?[\d.]+$/);
    // all 100: shape, 'value =', then each row of 10 on three lines of at most 4 numbers
    expect(buildPicture(w.sum(), { values: true, maxElements: 100 }).nodes.find((n) => n.title === 'W')!.lines).toHaveLength(2 + 10 * 3);
  });

  it('refuses what is not a tensor and a bad maxElements', () => {
    expect(() => toSvg({} as Tensor)).toThrow(/expected a Tensor/);
    expect(() => toDot(tensor(1), { maxElements: 0 })).toThrow(/maxElements must be a positive integer/);
  });
});

describe('toSvg', () => {
  it('an SVG document whose every number is text, boxes that do not overlap, arrows between them', () => {
    const { E } = articleGraph();
    const svg = toSvg(E, { values: true, gradients: true, title: 'the article' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).not.toMatch(/NaN|undefined/);
    expect(svg).toContain('<title>the article</title>');
    expect(svg).toContain('>∂E_total/∂w5 = 0.082167041</text>');
    expect(svg).toContain('>out_h1 = 0.593269992</text>');
    const b = boxes(svg);
    expect(b).toHaveLength(16);
    for (let i = 0; i < b.length; i++) {
      for (let j = i + 1; j < b.length; j++) {
        const [x1, y1, w1, h1] = b[i], [x2, y2, w2, h2] = b[j];
        const apart = x1 + w1 <= x2 || x2 + w2 <= x1 || y1 + h1 <= y2 || y2 + h2 <= y1;
        expect(apart, `boxes ${i} and ${j} overlap`).toBe(true);
      }
    }
    const [, vw, vh] = svg.match(/viewBox="0 0 (\d+) (\d+)"/)!.map(Number);
    for (const [x, y, w, h] of b) expect(x >= 0 && y >= 0 && x + w <= vw && y + h <= vh, `box ${[x, y, w, h]} inside 0 0 ${vw} ${vh}`).toBe(true);
    expect(svg.match(/<path d="M/g)).toHaveLength(15 + 2); // arrows, and the two marker shapes
  });

  it('the same picture twice: deterministic', () => {
    const a = articleGraph(), b = articleGraph();
    const strip = (s: string) => s.replace(/t\d+/g, 't#').replace(/#\d+/g, '#').replace(/data-tensor-ids="[^"]*"/g, '');
    expect(strip(toSvg(a.E, { values: true }))).toBe(strip(toSvg(b.E, { values: true })));
  });

  it('idPrefix keeps the arrow markers of two pictures on one page apart', () => {
    const { E } = articleGraph();
    expect(toSvg(E, { idPrefix: 'p2' })).toContain('marker-end="url(#p2-arrow)"');
  });
});

describe('collapsing repeated structure', () => {
  it('a 40-layer MLP (205 tensors) becomes a dozen boxes: the repeated layer once, its weights as one box', () => {
    const loss = deepMlp(40);
    const p = buildPicture(loss);
    expect(p.tensorCount).toBe(205);
    expect(p.nodes.length).toBeLessThanOrEqual(14);
    const run = p.nodes.find((n) => n.kind === 'run')!;
    expect(run.lines[0]).toBe('39 × (matmul → add → tanh)');
    expect(run.tensorIds).toHaveLength(117);
    const titles = p.nodes.map((n) => n.title);
    expect(titles).toContain('W0 … W38');
    expect(titles).toContain('b0 … b38');
    // every tensor but the inlined constant is in exactly one box
    const ids = p.nodes.flatMap((n) => n.tensorIds);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(204);
    // arrows join boxes that exist, and the layout still has no overlapping boxes
    const names = new Set(p.nodes.map((n) => n.id));
    for (const e of p.edges) expect(names.has(e.from) && names.has(e.to), `${e.from} -> ${e.to}`).toBe(true);
    const svg = toSvg(loss, { values: true, gradients: true });
    expect(boxes(svg)).toHaveLength(p.nodes.length);
  });

  it('an unrolled loop with shared weights: one arrow per shared weight, marked with its use count', () => {
    const Wx = randn([3, 6], { seed: 2, requiresGrad: true }).named('Wx');
    const Wh = randn([6, 6], { seed: 3, requiresGrad: true }).named('Wh');
    let s = randn([1, 6], { seed: 4 });
    for (let k = 0; k < 60; k++) s = randn([1, 3], { seed: 1000 + k }).matmul(Wx).add(s.matmul(Wh)).tanh();
    const p = buildPicture(s.sum().named('loss'));
    expect(p.tensorCount).toBeGreaterThan(300);
    expect(p.nodes.length).toBeLessThanOrEqual(12);
    const run = p.nodes.find((n) => n.kind === 'run')!;
    expect(p.edges.filter((e) => e.to === run.id).map((e) => e.label)).toEqual(expect.arrayContaining(['b ×59']));
  });

  it('a long chain of elementwise ops is one box', () => {
    let c = tensor([1, 2, 3], { requiresGrad: true, name: 'x' });
    for (let k = 0; k < 2000; k++) c = k % 2 ? c.mul(0.999) : c.add(0.001);
    const p = buildPicture(c.sum());
    expect(p.nodes.length).toBeLessThanOrEqual(6);
    expect(p.nodes.find((n) => n.kind === 'run')!.lines[0]).toMatch(/^\d+ × \((add → mul|mul → add)\)$/);
  });

  it('collapse: false keeps every box; the article is never collapsed by default', () => {
    expect(buildPicture(deepMlp(20), { collapse: false }).nodes).toHaveLength(20 * 5 + 4);
    expect(buildPicture(articleGraph().E).nodes.every((n) => n.kind !== 'run')).toBe(true);
    expect(buildPicture(deepMlp(4), { collapse: true }).nodes.some((n) => n.kind === 'run')).toBe(true);
  });
});
