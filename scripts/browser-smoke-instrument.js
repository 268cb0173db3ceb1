// Loaded by the pages of scripts/browser-smoke.mjs as a classic script before the bundle (a module
// script, so it runs after this one). A file rather than an inline script: the page's
// Content-Security-Policy allows scripts from 'self' only. It wraps nothing of core's own code:
// - records every securitypolicyviolation the page reports (the Node side fails on any, except the
//   one the refusal page provokes on purpose);
// - wraps WebAssembly.Instance so calls to the SIMD matmul kernel's export `mk` (one per block of C) are counted (the wrapper
//   passes everything through), so "the SIMD tile was used" is observed, not inferred;
// - on ?mode=js, hides WebAssembly SIMD as a browser without it would (validate says no, compiling a
//   module fails), so core falls back to its JavaScript tile.
globalThis.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  globalThis.__cspViolations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample, source: `${e.sourceFile}:${e.lineNumber}` });
});

globalThis.__simdTileCalls = 0;
WebAssembly.Instance = new Proxy(WebAssembly.Instance, {
  construct(target, args, newTarget) {
    const inst = Reflect.construct(target, args, newTarget);
    const { mk, mem } = inst.exports;
    if (typeof mk !== 'function' || mem === undefined) return inst;
    return { exports: { mem, mk(...a) { globalThis.__simdTileCalls++; return mk(...a); } } };
  },
});

if (new URLSearchParams(location.search).get('mode') === 'js') {
  WebAssembly.validate = () => false;
  WebAssembly.Module = function Module() {
    throw new WebAssembly.CompileError('WebAssembly SIMD hidden by the browser smoke test (?mode=js)');
  };
}
