import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { trainArticleNetwork } from './readme-network.js';

describe("the README's network example", () => {
  it("gives the article's figures and the float64 answer after 10,000 steps", () => {
    expect(trainArticleNetwork(0).loss.toFixed(9)).toBe('0.298371109');
    const [, , w5] = trainArticleNetwork(1).net.parameters(); // 2.weight, w5 first
    expect(w5.buffer[0].toFixed(8)).toBe('0.35891648');
    // correct gradient descent with frozen biases (the demo explains the article's 0.000035085)
    expect(trainArticleNetwork(10_000).loss).toBeAllClose(3.510187782978859e-5, { rtol: 1e-13, atol: 0 });
  });

  it('is the code the README shows', () => {
    const source = readFileSync(new URL('./readme-network.ts', import.meta.url), 'utf8');
    const snippet = source.split('// readme:start\n')[1].split('  // readme:end')[0].replace(/^ {2}/gm, '').trim();
    expect(readme()).toContain(snippet);
  });
});

describe("the README's custom op and layer", () => {
  // CI compiles custom-layer.ts in a consumer project with noUncheckedIndexedAccess and
  // exactOptionalPropertyTypes (scripts/pack-consumer.mjs), so what the README shows compiles there too.
  it('are the code of custom-layer.ts', () => {
    const source = readFileSync(new URL('./custom-layer.ts', import.meta.url), 'utf8');
    for (const start of ['export const softplus = ', 'export class GatedDense ']) expect(readme()).toContain(topLevelBlock(source, start));
  });
});

function readme(): string {
  return readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
}

/** The top-level declaration whose first line starts with `start`, through its closing line at column 0. */
function topLevelBlock(source: string, start: string): string {
  const lines = source.split('\n');
  const first = lines.findIndex((line) => line.startsWith(start));
  const last = lines.findIndex((line, i) => i > first && (line === '}' || line === '});'));
  expect(first).toBeGreaterThanOrEqual(0);
  return lines.slice(first, last + 1).join('\n');
}
