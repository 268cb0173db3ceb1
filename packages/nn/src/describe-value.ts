/**
 * How an error message shows a value it refuses: enough to recognise it, never the whole of a big one.
 * @module
 */

/**
 * `value` as error messages show it: numbers as JavaScript prints them (`NaN`, `-1`), strings quoted
 * with their type (`"x" (a string)`), short arrays of numbers in brackets, everything else by kind.
 * @example
 * ```ts
 * describeValue('x');        // '"x" (a string)'
 * describeValue([0.9]);      // '[0.9] (an array)'
 * describeValue(() => 1);    // 'a function'
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  switch (typeof value) {
    case 'number':
      return String(value);
    case 'string':
      return `${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)} (a string)`;
    case 'boolean':
      return `${value} (a boolean)`;
    case 'bigint':
      return `${value}n (a bigint)`;
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
  }
  if (Array.isArray(value)) {
    return value.length <= 4 && value.every((v) => typeof v === 'number') ? `[${value.join(', ')}] (an array)` : `an array of length ${value.length}`;
  }
  const name = (value as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}
