/**
 * Types for the `mnist` package (1.1.0), which ships none: 10,000 MNIST digits, 28×28 pixels in
 * [0, 1], grouped by class. `mnist[d]` is digit class d; its `raw` holds its `length` images one
 * after another, each row by row (784 numbers). NOTE: `get()` without an index, `mnist.get` and
 * `mnist.set` draw from Math.random, so a seeded example reads `raw` (or `get(i)`) instead.
 */
declare module 'mnist' {
  /** A training pair as the package makes it: 784 pixels and a one-hot target of 10. */
  interface MnistSample {
    input: number[];
    output: number[];
  }

  /** One digit class. */
  interface MnistDigit {
    /** The class, 0 to 9. */
    readonly id: number;
    /** The number of images of this class. */
    readonly length: number;
    /** The pixels of every image of this class, `length` × 784 numbers. */
    readonly raw: readonly number[];
    /** Image `index` (784 pixels); a random one (Math.random) when the index is missing, negative or above `length`. */
    get(index?: number): number[];
    /** Images `start` to `end`, both included (`end` is capped at `length − 1`). */
    range(start: number, end: number): number[][];
    /** Images `start` to `end` as training pairs. */
    set(start: number, end: number): MnistSample[];
  }

  /** The ten classes, `mnist[0]` to `mnist[9]`, and the package's helpers. */
  interface Mnist extends ReadonlyArray<MnistDigit> {
    /** `count` training pairs drawn from all classes, shuffled with Math.random. */
    get(count?: number): MnistSample[];
    /** A training and a test set of about `training` and `test` pairs, shuffled with Math.random. */
    set(training: number, test: number): { training: MnistSample[]; test: MnistSample[] };
    /** The class of a one-hot (or score) array: the index of its largest entry. */
    toNumber(output: readonly number[]): number;
  }

  const mnist: Mnist;
  export = mnist;
}
