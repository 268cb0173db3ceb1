import { describe, expect, it } from 'vitest';
import { tensor } from '@chainrule/core';
import { accuracy } from './accuracy.js';

describe('accuracy', () => {
  it('scores [N, C] against class indices: the argmax along axis 1', () => {
    expect(accuracy(tensor([[2, 1], [0, 3], [1, 0]]), [0, 1, 1])).toBe(2 / 3);
    expect(accuracy(tensor([[2, 1], [0, 3], [1, 0]]), tensor([0, 1, 0]))).toBe(1);
  });

  it('ties go to the first class and a NaN counts as highest, as torch.argmax', () => {
    expect(accuracy(tensor([[1, 1], [0, NaN]]), [0, 1])).toBe(1);
    expect(accuracy(tensor([[NaN, 5]]), [0])).toBe(1);
  });

  it('scores [N, C, d] against targets [N, d]: the class axis is 1, as CrossEntropyLoss', () => {
    // n = 0: positions (c=0: 1, 5), (c=1: 2, 0) → predictions [1, 0]
    expect(accuracy(tensor([[[1, 5], [2, 0]]]), tensor([[1, 1]]))).toBe(0.5);
  });

  it('predictions of the targets’ shape are compared as they are (labels, or 0/1 from a threshold)', () => {
    const probs = tensor([0.9, 0.2, 0.6, 0.4]);
    expect(accuracy(probs.gt(0.5), [1, 0, 0, 0])).toBe(0.75);
  });

  it('refuses shapes that do not fit, targets that are not class indices, and no targets', () => {
    expect(() => accuracy(tensor([[1, 2]]), [0, 1])).toThrow('accuracy: predictions of shape [1,2] do not fit targets of shape [2]');
    expect(() => accuracy(tensor([[1, 2]]), [2])).toThrow('accuracy: target 2 (at 0) is not a class index in 0..1');
    expect(() => accuracy(tensor([[1, 2]]), [0.5])).toThrow('accuracy: target 0.5 (at 0) is not a class index in 0..1');
    expect(() => accuracy(tensor([]), [])).toThrow('accuracy: there are no targets (shape [0])');
  });
});
