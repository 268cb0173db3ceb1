// `pnpm demo -- --graph article.svg`: the article's graph with the figures the article prints
// (../shared/seed), each in the box of the tensor it belongs to, the boxes grouped by layer.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { articleGraphSvg } from './graph.js';

/** The text lines of the box whose title is `title`. */
function box(svg: string, title: string): string[] {
  const groups = svg.split('<g data-node=').slice(1);
  const g = groups.find((s) => s.includes(`font-weight="bold" fill="#212529">${title}</text>`));
  if (g === undefined) throw new Error(`no box titled ${title}`);
  return [...g.matchAll(/>([^<>]+)<\/text>/g)].map((m) => m[1]);
}

describe('the article\'s graph as an SVG picture', () => {
  const svg = articleGraphSvg();

  it('the weights with their gradients, the inputs, biases and targets as the article gives them', () => {
    expect(box(svg, 'w5, w6, w7, w8')).toEqual(expect.arrayContaining(['w5 = 0.4', '∂E_total/∂w5 = 0.082167041']));
    expect(box(svg, 'w1, w2, w3, w4')).toEqual(expect.arrayContaining(['w1 = 0.15', '∂E_total/∂w1 = 0.000438568']));
    expect(box(svg, 'i1, i2')).toEqual(expect.arrayContaining(['i1 = 0.05', 'i2 = 0.1']));
    expect(box(svg, 'b1')).toContain('b1 = 0.35');
    expect(box(svg, 'target_o1, target_o2')).toEqual(expect.arrayContaining(['target_o1 = 0.01', 'target_o2 = 0.99']));
  });

  it('the forward values and the gradients of the intermediates in their op\'s box', () => {
    expect(svg).toContain('>net_h1 = 0.3775</text>');
    expect(svg).toContain('>out_h1 = 0.593269992</text>');
    expect(svg).toContain('>net_o1 = 1.105905967</text>');
    expect(svg).toContain('>out_o1 = 0.75136507</text>');
    expect(svg).toContain('>∂E_total/∂out_o1 = 0.74136507</text>');
    expect(svg).toContain('>∂E_total/∂out_h1 = 0.036350306</text>');
    expect(box(svg, 'mseLoss: E_total')).toContain('E_total = 0.298371109');
  });

  it('docs/article-graph.svg, the picture in the README and the API docs, is what the demo writes today', () => {
    // tensor ids count up in creation order, so they depend on what ran before: compare without them
    const strip = (svg: string) => svg.replace(/\bt\d+\b/g, 't#').replace(/data-tensor-ids="[^"]*"/g, '');
    const committed = readFileSync(new URL('../../../../docs/article-graph.svg', import.meta.url), 'utf8');
    expect(strip(committed), 'regenerate it: pnpm demo -- --graph docs/article-graph.svg').toBe(strip(svg));
  });

  it('groups the layers', () => {
    expect(svg).toContain('<g data-group="hidden layer">');
    expect(svg).toContain('<g data-group="output layer">');
  });
});
