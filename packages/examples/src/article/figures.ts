/**
 * Every figure the article prints (../../../shared/seed/000_83cd4ea2d437def5.txt), exactly as
 * printed, in the order it prints them. The digits a figure is printed with are its precision.
 * @module
 */

/** One printed figure: a key used throughout the demo, the article's label, and the text printed. */
export interface PrintedFigure {
  /** Identifier, e.g. `'dE_total/dw5'` or `'E_after_1'`. */
  readonly key: string;
  /** What the article calls it. */
  readonly label: string;
  /** The value as printed (a string, so trailing zeros such as `0.40` keep their meaning). */
  readonly printed: string;
  /** Which section of the article prints it. */
  readonly section: 'forward' | 'error' | 'output layer' | 'hidden layer' | 'training';
}

/** The article's printed figures, in its order. */
export const PRINTED: readonly PrintedFigure[] = [
  { key: 'net_h1', label: 'net_h1', printed: '0.3775', section: 'forward' },
  { key: 'out_h1', label: 'out_h1', printed: '0.593269992', section: 'forward' },
  { key: 'out_h2', label: 'out_h2', printed: '0.596884378', section: 'forward' },
  { key: 'net_o1', label: 'net_o1', printed: '1.105905967', section: 'forward' },
  { key: 'out_o1', label: 'out_o1', printed: '0.75136507', section: 'forward' },
  { key: 'out_o2', label: 'out_o2', printed: '0.772928465', section: 'forward' },
  { key: 'output[0]', label: '"output" [0] after the forward pass', printed: '0.75136079', section: 'forward' },
  { key: 'output[1]', label: '"output" [1] after the forward pass', printed: '0.772928465', section: 'forward' },
  { key: 'E_o1', label: 'E_o1', printed: '0.274811083', section: 'error' },
  { key: 'E_o2', label: 'E_o2', printed: '0.023560026', section: 'error' },
  { key: 'E_total', label: 'E_total', printed: '0.298371109', section: 'error' },
  { key: 'dE_total/dout_o1', label: 'dE_total/dout_o1', printed: '0.74136507', section: 'output layer' },
  { key: 'dout_o1/dnet_o1', label: 'dout_o1/dnet_o1', printed: '0.186815602', section: 'output layer' },
  { key: 'dnet_o1/dw5', label: 'dnet_o1/dw5', printed: '0.593269992', section: 'output layer' },
  { key: 'dE_total/dw5', label: 'dE_total/dw5', printed: '0.082167041', section: 'output layer' },
  { key: 'w5+', label: 'w5+', printed: '0.35891648', section: 'output layer' },
  { key: 'w6+', label: 'w6+', printed: '0.408666186', section: 'output layer' },
  { key: 'w7+', label: 'w7+', printed: '0.511301270', section: 'output layer' },
  { key: 'w8+', label: 'w8+', printed: '0.561370121', section: 'output layer' },
  { key: 'dE_o1/dnet_o1', label: 'dE_o1/dnet_o1', printed: '0.138498562', section: 'hidden layer' },
  { key: 'dnet_o1/dout_h1', label: 'dnet_o1/dout_h1', printed: '0.40', section: 'hidden layer' },
  { key: 'dE_o1/dout_h1', label: 'dE_o1/dout_h1', printed: '0.055399425', section: 'hidden layer' },
  { key: 'dE_o2/dout_h1', label: 'dE_o2/dout_h1', printed: '-0.019049119', section: 'hidden layer' },
  { key: 'dE_total/dout_h1', label: 'dE_total/dout_h1', printed: '0.036350306', section: 'hidden layer' },
  { key: 'dout_h1/dnet_h1', label: 'dout_h1/dnet_h1', printed: '0.241300709', section: 'hidden layer' },
  { key: 'dnet_h1/dw1', label: 'dnet_h1/dw1', printed: '0.05', section: 'hidden layer' },
  { key: 'dE_total/dw1', label: 'dE_total/dw1', printed: '0.000438568', section: 'hidden layer' },
  { key: 'w1+', label: 'w1+', printed: '0.149780716', section: 'hidden layer' },
  { key: 'w2+', label: 'w2+', printed: '0.19956143', section: 'hidden layer' },
  { key: 'w3+', label: 'w3+', printed: '0.24975114', section: 'hidden layer' },
  { key: 'w4+', label: 'w4+', printed: '0.29950229', section: 'hidden layer' },
  { key: 'E_after_1', label: 'E_total after the first iteration', printed: '0.291027924', section: 'training' },
  { key: 'E_after_10000', label: 'E_total after 10,000 iterations', printed: '0.000035085', section: 'training' },
  { key: 'out_o1_after_10000', label: 'out_o1 after 10,000 iterations', printed: '0.015912196', section: 'training' },
  { key: 'out_o2_after_10000', label: 'out_o2 after 10,000 iterations', printed: '0.984065734', section: 'training' },
];

/** Number of decimals a printed figure shows: `'0.40'` → 2. */
export function decimalsOf(printed: string): number {
  const dot = printed.indexOf('.');
  return dot < 0 ? 0 : printed.length - dot - 1;
}

/** `value` rounded to the printed figure's decimals, as text (`-0` shown as `0`). */
export function atPrintedPrecision(value: number, printed: string): string {
  const s = value.toFixed(decimalsOf(printed));
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** True when `value`, rounded to the digits the article prints, is exactly the printed text. */
export function matchesPrinted(value: number, printed: string): boolean {
  return atPrintedPrecision(value, printed) === printed;
}
