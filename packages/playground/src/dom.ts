/**
 * The few DOM helpers the page uses.
 * @module
 */

/**
 * The element with this id; throws, naming it, when the page has none.
 * @example
 * `byId('article-step').addEventListener('click', step)`
 */
export function byId(id: string): HTMLElement {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`playground: no element #${id} in the page`);
  return e;
}

/**
 * Text made safe to put into innerHTML.
 * @example
 * `escapeHtml('a < b'); // 'a &lt; b'`
 */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
