/**
 * Greyscale images as terminal text: two rows of pixels per line of text, since a character cell
 * is about twice as tall as it is wide, so a 28×28 digit keeps its proportions in 28 × 14 cells.
 * @module
 */
import { ChainruleError } from '@chainrule/core';

/** Options of {@link renderImage}. @example `{ color: process.stdout.isTTY }` */
export interface TextArtOptions {
  /**
   * Draw each cell as '▀' with the upper pixel as its foreground and the lower as its background
   * in the 24 greys of the 256-colour palette (every pixel kept; needs a terminal). Without: one
   * shade character from ' ░▒▓█' for the mean of the two pixels (plain text, fit for a file or a log).
   */
  color?: boolean;
}

/** The shades for plain text, from background (0) to ink (1), in equal steps of 0.2. @example `SHADES[Math.floor(0.5 * SHADES.length)] // '▒'` */
export const SHADES = ' ░▒▓█';
const RESET = '\x1b[0m';

/**
 * The lines of text that draw an image of `width` columns given row by row in `pixels` (values in
 * [0, 1], 0 the background; values outside are clamped). An odd last row is drawn over a background row.
 * @example
 * ```ts
 * renderImage([0, 1, 0, 1, 0.5, 0.3, 0.5, 0.1], 2); // [' █', '▒░']: 2 columns, 4 rows
 * ```
 */
export function renderImage(pixels: ArrayLike<number>, width: number, options: TextArtOptions = {}): string[] {
  if (!Number.isInteger(width) || width < 1 || pixels.length % width !== 0) {
    throw new ChainruleError(`renderImage: ${pixels.length} pixels do not make rows of width ${width}; expected a positive width that divides the number of pixels`);
  }
  const height = pixels.length / width;
  const at = (row: number, col: number): number => {
    if (row >= height) return 0;
    const v = pixels[row * width + col];
    if (Number.isNaN(v)) throw new ChainruleError(`renderImage: pixel (${row}, ${col}) is NaN`);
    return Math.min(1, Math.max(0, v));
  };
  const lines: string[] = [];
  for (let row = 0; row < height; row += 2) {
    let line = '';
    for (let col = 0; col < width; col++) {
      const upper = at(row, col), lower = at(row + 1, col);
      line += options.color ? `\x1b[38;5;${grey(upper)}m\x1b[48;5;${grey(lower)}m▀` : SHADES[Math.min(SHADES.length - 1, Math.floor(((upper + lower) / 2) * SHADES.length))];
    }
    lines.push(options.color ? line + RESET : line);
  }
  return lines;
}

/** The 256-colour palette's grey for v in [0, 1]: 232 (near black) to 255 (near white). */
function grey(v: number): number {
  return 232 + Math.round(v * 23);
}

/** The width a line takes on screen: its characters without the colour escapes. @example `visibleWidth('\x1b[38;5;232m▀\x1b[0m') // 1` */
export function visibleWidth(line: string): number {
  return [...line.replace(/\x1b\[[0-9;]*m/g, '')].length;
}

/**
 * Blocks of lines placed side by side, `gap` spaces apart, each padded to its widest line (the
 * width on screen, colour escapes not counted) and the shorter ones to the tallest with blank lines.
 * @example
 * ```ts
 * sideBySide([['ab', 'c'], ['x']], 1); // ['ab x', 'c   ']
 * ```
 */
export function sideBySide(blocks: readonly (readonly string[])[], gap = 2): string[] {
  const widths = blocks.map((b) => Math.max(0, ...b.map(visibleWidth)));
  const height = Math.max(0, ...blocks.map((b) => b.length));
  return Array.from({ length: height }, (_, row) =>
    blocks.map((b, k) => {
      const line = b[row] ?? '';
      return line + ' '.repeat(widths[k] - visibleWidth(line));
    }).join(' '.repeat(gap)),
  );
}
