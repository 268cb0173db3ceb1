/**
 * The playground's entry: wires both sections and runs one animation loop that trains whichever
 * is running. Everything is computed in the page with @chainrule/core and @chainrule/nn.
 * @module
 */
import { setupArticle } from './article-view.js';
import { setupTrainer } from './trainer-view.js';

const sections = [setupArticle(), setupTrainer()];

function loop(now: number): void {
  for (const s of sections) {
    try {
      s.frame(now);
    } catch (e) {
      // a failure must be seen, not swallowed: it shows in the console and stops nothing else
      console.error(e);
    }
  }
  requestAnimationFrame(loop);
}
requestAnimationFrame(loop);
document.documentElement.dataset.ready = 'true';
