/**
 * The article's network as a picture of the graph `backward()` walks: `pnpm demo -- --graph
 * article.svg`. One forward pass with the article's weights, every value and every gradient
 * d E_total / d(tensor) written into its box, the boxes grouped by layer.
 * @module
 */
import { toSvg, type Tensor } from '@chainrule/core';
import { buildArticleNet, forwardArticle } from './network.js';

/** The SVG of the article's graph at its starting weights, with values and gradients. */
export function articleGraphSvg(): string {
  const m = buildArticleNet();
  const f = forwardArticle(m);
  const layer = new Map<Tensor, string>([
    [m.hidden.weight, 'hidden layer'], [m.hidden.bias!, 'hidden layer'], [f.netH, 'hidden layer'], [f.outH, 'hidden layer'],
    [m.output.weight, 'output layer'], [m.output.bias!, 'output layer'], [f.netO, 'output layer'], [f.outO, 'output layer'],
  ]);
  return toSvg(f.E_total, {
    values: true,
    gradients: true,
    group: (t) => layer.get(t),
    title: 'The article\'s 2-2-2 network: the graph backward() walks, with values and ∂E_total/∂(each tensor)',
  });
}
