/**
 * Anomaly detection: while on, every recorded op remembers where it was created, and every value
 * produced in forward or backward is checked for NaN and infinity. Off by default: the checks cost a
 * pass over each result and a stack trace per op.
 * @module
 */
import { isGradEnabled, setGradEnabled } from '../grad-mode.js';

let enabled = false;

/** True while anomaly detection is on. */
export function isAnomalyEnabled(): boolean {
  return enabled;
}

/**
 * Switches anomaly detection on or off for the rest of the program (like
 * `torch.autograd.set_detect_anomaly`).
 *
 * @example
 * ```ts
 * setAnomalyDetection(true);
 * tensor([0]).log(); // throws AnomalyError: log produced -Infinity ...
 * ```
 */
export function setAnomalyDetection(on: boolean): void {
  enabled = on;
}

/**
 * Runs `fn` with anomaly detection on, then restores the previous setting (like
 * `torch.autograd.detect_anomaly()`). Async functions are refused, as in {@link noGrad}.
 *
 * @example
 * ```ts
 * detectAnomaly(() => x.log().sum().backward());
 * ```
 */
export function detectAnomaly<T>(fn: () => T): T {
  const previous = enabled;
  enabled = true;
  try {
    // setGradEnabled with the current mode reuses its refusal of async functions and promises.
    return setGradEnabled(isGradEnabled(), fn);
  } finally {
    enabled = previous;
  }
}

/** The index of the first NaN or infinite element, or -1. */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v !== 0) return i; // NaN - NaN and Inf - Inf are NaN; every finite v gives 0
  }
  return -1;
}

/** The caller's stack, without chainrule's own frames, for naming where an op was created. */
export function creationSite(): string {
  const stack = new Error().stack ?? '';
  const frames = stack.split('\n').slice(1).map((l) => l.trim());
  const user = frames.filter((f) => !/[\\/]packages[\\/]core[\\/](src|dist)[\\/]/.test(f) && !f.includes('node:internal'));
  return (user.length > 0 ? user : frames).slice(0, 3).join('\n    ');
}
