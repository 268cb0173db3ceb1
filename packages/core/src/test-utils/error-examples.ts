/**
 * One real example of every error class chainrule throws: the code a user writes, the class it
 * throws and the exact message. errors.test.ts runs each example's code exactly as written here and
 * checks class and message word for word; scripts/errors-page.ts writes docs/errors.md from this
 * list, and errors.test.ts also fails when docs/errors.md is not what the script would write.
 * So the page cannot drift from what chainrule does: change a message, and a test names the example.
 * @module
 */
import { runInThisContext } from 'node:vm';
import * as core from '../index.js';

/** A name exported by @chainrule/core. */
export type CoreName = keyof typeof core;

/** One error class, what it means, what to do about it, and one example of it. */
export interface ErrorExample {
  /** The class's name, as `error.name` and `error.constructor.name` show it. */
  readonly name: string;
  /** The class itself (the test checks `instanceof`). */
  readonly cls: abstract new (...args: never[]) => Error;
  /** The class it extends, for the table. */
  readonly extends: string;
  /** What the class means, in a sentence. */
  readonly meaning: string;
  /** What to do about it, in a sentence. */
  readonly action: string;
  /** The names the code imports from @chainrule/core (and nothing else is in scope when it runs). */
  readonly imports: readonly CoreName[];
  /** Plain JavaScript, run as written; its last statement throws. */
  readonly code: string;
  /**
   * The exact message. `{site}` stands for the lines of a stack trace that an AnomalyError ends
   * with (they name the user's own files, so they differ from machine to machine).
   */
  readonly message: string;
}

/** The placeholder for the creation-site lines of an AnomalyError message. */
export const SITE = '{site}';

export const ERROR_EXAMPLES: readonly ErrorExample[] = [
  {
    name: 'ChainruleError',
    cls: core.ChainruleError,
    extends: 'Error',
    meaning:
      'The base class of every error chainrule defines; thrown as itself for a misuse that is not about shapes, dtypes or the graph, ' +
      'such as a wrong option value or an async or generator function where a synchronous one is needed.',
    action: 'Read the message, which names the function and the argument; catch `ChainruleError` to catch any of the classes below.',
    imports: ['noGrad', 'tensor'],
    code: `const w = tensor([1, 2], { requiresGrad: true });
noGrad(function* () {
  yield w.mul(2);
});`,
    message:
      'noGrad: refusing a generator function; its body runs later, at each next(), after grad mode off has been undone. ' +
      'Call noGrad(() => ...) around the tensor code inside the generator instead.',
  },
  {
    name: 'ShapeError',
    cls: core.ShapeError,
    extends: 'ChainruleError',
    meaning:
      'Shapes that do not fit the op (broadcasting, matmul, reshape, an axis out of range, a gradient of the wrong shape), ' +
      'or a tensor larger than the element limit.',
    action: 'Compare the shapes the message names; for the element limit, fix the shape, or raise the limit with `setMaxElements(n)` if you mean it.',
    imports: ['zeros'],
    code: 'zeros([1e6, 1e6]);',
    message:
      'zeros: shape [1000000,1000000] has 1000000000000 elements, more than the limit of 268435456 elements per tensor; ' +
      'check the shape, or raise the limit with setMaxElements(n) if you mean it',
  },
  {
    name: 'DTypeError',
    cls: core.DTypeError,
    extends: 'ChainruleError',
    meaning: 'Tensors of different dtypes (float64 and float32) meeting in one op, or an unknown dtype name.',
    action: "Cast one side with `.cast('float64')` or `.cast('float32')`, as the message suggests; chainrule never converts silently.",
    imports: ['tensor'],
    code: "tensor([1, 2], { dtype: 'float32' }).add(tensor([1, 2]));",
    message: "add: input 'b' is float64 but input 'a' is float32; ops do not mix dtypes, cast one with .cast('float32') first",
  },
  {
    name: 'AutogradError',
    cls: core.AutogradError,
    extends: 'ChainruleError',
    meaning:
      'A misuse of the autograd graph: backward through a freed graph or on a non-scalar without a gradient, a saved tensor changed ' +
      'in place, an in-place change of a tensor that requires grad, a custom gradient rule returning the wrong thing.',
    action:
      'Do what the message says: pass `{ retainGraph: true }` to the first backward, pass a gradient, move the in-place change into ' +
      '`noGrad`, or fix the rule it names.',
    imports: ['tensor'],
    code: `const x = tensor([1, 2], { requiresGrad: true });
const loss = x.mul(x).sum();
loss.backward();
loss.backward();`,
    message:
      'backward through sum a second time: its saved tensors were freed by the first backward. ' +
      'Pass { retainGraph: true } to the first backward() if you need to call it again.',
  },
  {
    name: 'AnomalyError',
    cls: core.AnomalyError,
    extends: 'ChainruleError',
    meaning: 'A NaN or an infinity produced while anomaly detection is on (`detectAnomaly`), in forward or in backward.',
    action: 'Look at the op the message names, and at the lines of your code that created it, which end the message.',
    imports: ['detectAnomaly', 'tensor'],
    code: `const x = tensor([-1, 4], { requiresGrad: true });
detectAnomaly(() => x.log().sum().backward());`,
    message: `log produced NaN at flat index 0 of a result of shape [2]; the log op was created at\n    ${SITE}`,
  },
  {
    name: 'GradcheckError',
    cls: core.GradcheckError,
    extends: 'ChainruleError',
    meaning:
      "`gradcheck` or `gradgradcheck` found an analytic gradient that disagrees with central differences; `error.report` holds the numbers.",
    action: "Fix the gradient rule of the op under test; the message names the worst element and both values.",
    imports: ['defineOp', 'gradcheck', 'tensor'],
    code: `// x², with a rule that forgot the factor 2
const badSquare = defineOp({
  name: 'badSquare',
  inputs: ['x'],
  forward: (ctx, x) => x.mul(x),
  backward: { x: (ctx, grad) => grad.mul(ctx.inputs[0]) },
});
gradcheck((x) => badSquare(x).sum(), [tensor([1, 2])]);`,
    message:
      'gradcheck failed: d output[0] / d inputs[0][1] is 2 by autodiff but 4.000000000115023 by central differences ' +
      '(abs error 2.000e+0, rel error 5.000e-1; allowed 0.00001 + 0.001·|numeric|). 2 entries compared.',
  },
  {
    name: 'TypeError',
    cls: TypeError,
    extends: 'Error',
    meaning: "JavaScript's own class, which chainrule throws for an argument of the wrong kind: not a tensor, number or array where one is expected, not a function, not an options object.",
    action: 'Pass what the message says it expected; `tensor(values)` turns numbers and nested arrays into a tensor.',
    imports: ['Tensor'],
    code: 'new Tensor([1, 2], [2]);',
    message:
      'new Tensor: the buffer must be a Float64Array or a Float32Array, got an array of length 2; to make a tensor from numbers or arrays use tensor(values)',
  },
  {
    name: 'RangeError',
    cls: RangeError,
    extends: 'Error',
    meaning: "JavaScript's own class, which chainrule throws for a setting out of its range.",
    action: 'Pass a value in the range the message gives.',
    imports: ['setMaxElements'],
    code: 'setMaxElements(0);',
    message: 'setMaxElements: expected an integer from 1 to 2^32, got 0',
  },
];

/**
 * Runs an example's code as written, with only its imports in scope; returns what it throws.
 * NOTE: compiled with node:vm as a script of its own, not with `new Function`: the suite also runs
 * with code generation from strings refused (--disallow-code-generation-from-strings), which that
 * flag blocks for eval and Function but not for vm scripts (vitest loads every test file that way).
 */
export function runExample(example: ErrorExample): unknown {
  const source = `(function (${example.imports.join(', ')}) {\n'use strict';\n${example.code}\n})`;
  const fn = runInThisContext(source, { filename: `docs/errors.md, ${example.name} example` }) as (...args: unknown[]) => void;
  try {
    fn(...example.imports.map((name) => core[name]));
  } catch (e) {
    return e;
  }
  return undefined;
}

/** The example's message as a RegExp matching the whole of a real message (`{site}`: any lines). */
export function messagePattern(example: ErrorExample): RegExp {
  const parts = example.message.split(SITE).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[\\s\\S]+')}$`);
}

/** The errors page, docs/errors.md, as scripts/errors-page.ts writes it. */
export function renderErrorsPage(examples: readonly ErrorExample[] = ERROR_EXAMPLES): string {
  const lines = [
    '---',
    'title: Errors',
    '---',
    '',
    '<!-- Written by `pnpm run docs:errors` (scripts/errors-page.ts) from packages/core/src/test-utils/error-examples.ts;',
    '     packages/core/src/errors.test.ts runs every example and fails when this file differs. Do not edit by hand. -->',
    '',
    '# Errors',
    '',
    'Every error chainrule throws is one of the classes below. Its message names the op or function, the shapes or',
    'values involved, and what was expected. `ChainruleError` is the base class of chainrule\'s own classes, so',
    '`catch (e) { if (e instanceof ChainruleError) ... }` catches all of them; an argument of the wrong kind throws',
    "JavaScript's `TypeError`, and a setting out of range its `RangeError`.",
    '',
    'Each example below is run by the test suite, which checks the class and the message word for word.',
    '',
    '| class | extends | meaning |',
    '| --- | --- | --- |',
    ...examples.map((e) => `| [${e.name}](#${e.name.toLowerCase()}) | ${e.extends} | ${e.meaning.replace(/\|/g, '\\|')} |`),
  ];
  for (const e of examples) {
    const message = e.message.split(SITE).join('at ... (the innermost frames of your code that created it)');
    lines.push(
      '',
      `## ${e.name}`,
      '',
      `${e.meaning} ${e.action}`,
      '',
      '```js',
      `import { ${[...e.imports].sort().join(', ')} } from '@chainrule/core';`,
      '',
      e.code,
      '```',
      '',
      `throws \`${e.name}\`:`,
      '',
      '```text',
      message,
      '```',
    );
  }
  return `${lines.join('\n')}\n`;
}
