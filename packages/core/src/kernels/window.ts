/**
 * The geometry that sliding-window kernels share (convolution and max pooling): input planes of
 * h × w, a kh × kw kernel, stride (sh, sw), padding before the first row and column (ph, pw),
 * dilation (dh, dw) and the output plane oh × ow. Padding after the last row or column only shows
 * in oh and ow.
 * @module
 */

/** One window's walk over a plane, as above. */
export interface WindowGeometry {
  readonly h: number;
  readonly w: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly ph: number;
  readonly pw: number;
  readonly dh: number;
  readonly dw: number;
  readonly oh: number;
  readonly ow: number;
}
