import { describe, expect, it } from 'vitest';
import { SHADES, renderImage, sideBySide, visibleWidth } from './text-art.js';

describe('renderImage', () => {
  it('plain text: one shade per two rows, for the mean of the two pixels', () => {
    // 2 columns × 4 rows; column means of rows 0-1: 0 and 1, of rows 2-3: 0.5 and 0.2
    const image = [
      0, 1,
      0, 1,
      0.5, 0.3,
      0.5, 0.1,
    ];
    expect(renderImage(image, 2)).toEqual([' █', '▒░']);
  });

  it('plain text: the five shades start at 0, 0.2, 0.4, 0.6 and 0.8; values outside [0, 1] are clamped', () => {
    // one row pair per value, both pixels equal
    const values = [0, 0.19, 0.2, 0.39, 0.4, 0.6, 0.8, 1, -3, 7];
    expect(renderImage(values.flatMap((v) => [v, v]), 1).join('')).toBe('  ░░▒▓██ █');
    expect(SHADES).toBe(' ░▒▓█');
  });

  it('an odd last row is drawn over background', () => {
    // 3 columns × 3 rows: the last line averages row 2 with zeros
    const image = [
      1, 1, 0,
      1, 0, 0,
      1, 0.5, 0.8,
    ];
    expect(renderImage(image, 3)).toEqual(['█▒ ', '▒░▒']);
  });

  it("colour: '▀' with the upper pixel as foreground, the lower as background, greys 232 to 255", () => {
    // 2 columns × 2 rows: upper 0 and 1, lower 1 and 0.5 (232 + round(0.5 · 23) = 244)
    const line = renderImage([0, 1, 1, 0.5], 2, { color: true });
    expect(line).toEqual(['\x1b[38;5;232m\x1b[48;5;255m▀\x1b[38;5;255m\x1b[48;5;244m▀\x1b[0m']);
    expect(visibleWidth(line[0])).toBe(2);
  });

  it('refuses a width that does not divide the pixels, and NaN pixels, naming the function', () => {
    expect(() => renderImage([0, 1, 0], 2)).toThrow(/renderImage: 3 pixels do not make rows of width 2/);
    expect(() => renderImage([0, 1], 0)).toThrow(/renderImage/);
    expect(() => renderImage([0, NaN], 1)).toThrow(/renderImage: pixel \(1, 0\) is NaN/);
  });
});

describe('sideBySide', () => {
  it('pads each block to its widest line and the shorter blocks with blank lines', () => {
    expect(sideBySide([['ab', 'c'], ['x']], 1)).toEqual(['ab x', 'c   ']);
    expect(sideBySide([['a'], ['b', 'cd'], ['e']], 2)).toEqual(['a  b   e', '   cd   ']);
  });

  it('measures coloured lines by what shows on screen', () => {
    const coloured = renderImage([1, 0], 2, { color: true }); // 1 line, 2 cells
    const [line] = sideBySide([coloured, ['z']], 1);
    expect(visibleWidth(line)).toBe(4);
    expect(line.endsWith('\x1b[0m z')).toBe(true);
  });
});
