/**
 * Whether this process refuses code generation from strings, as under `node
 * --disallow-code-generation-from-strings` (CI runs core's and nn's suites that way: see
 * scripts/test.mjs) or a strict Content-Security-Policy. Probed once, with an empty function.
 * @module
 */
function probe(): boolean {
  try {
    new Function('');
    return false;
  } catch {
    return true;
  }
}

/** true where `new Function` throws. */
export const codeGenerationRefused = probe();

/**
 * What the test command asked for: scripts/test.mjs sets CHAINRULE_EXPECT_NO_CODEGEN=1 on the run it
 * starts with the flag, so a flag that silently stopped reaching the test workers fails a test
 * instead of quietly testing the permissive path twice.
 */
export const codeGenerationRefusalExpected = process.env.CHAINRULE_EXPECT_NO_CODEGEN === '1';
