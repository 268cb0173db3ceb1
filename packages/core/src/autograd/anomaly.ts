/**
 * Anomaly detection: while on, every recorded op remembers where it was created, and every value
 * produced in forward or backward is checked for NaN and infinity. Off by default: the checks cost a
 * pass over each result and a stack trace per op.
 * @module
 */
import { runSynchronously } from '../grad-mode.js';

let enabled = false;

/**
 * True while anomaly detection is on.
 * @example
 * ```ts
 * detectAnomaly(() => isAnomalyEnabled()); // true
 * ```
 */
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
 * `torch.autograd.detect_anomaly()`). Async and generator functions are refused, as in {@link noGrad}.
 *
 * @example
 * ```ts
 * detectAnomaly(() => x.log().sum().backward());
 * ```
 */
export function detectAnomaly<T>(fn: () => T): T {
  return runSynchronously('detectAnomaly', 'anomaly detection on', fn, () => {
    const previous = enabled;
    enabled = true;
    return previous;
  }, (previous) => {
    enabled = previous;
  });
}

/** The index of the first NaN or infinite element, or -1. */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v !== 0) return i; // NaN - NaN and Inf - Inf are NaN; every finite v gives 0
  }
  return -1;
}

// The folder holding chainrule's own modules (src/ or dist/), as a path and as a file URL, so
// their frames can be left out of creation sites. NOTE: the '..' is a variable on purpose:
// bundlers (Vite, webpack) read `new URL('literal', import.meta.url)` as an asset to copy, and
// would ship core's index module a second time as a file.
const parentFolder = '..';
const libraryUrl = new URL(parentFolder, import.meta.url).href;
const libraryPath = libraryUrl.startsWith('file://') ? decodeURIComponent(new URL(libraryUrl).pathname) : libraryUrl;

function isLibraryFrame(frame: string): boolean {
  if (/\.test\.[cm]?[jt]s\b/.test(frame)) return false; // chainrule's own tests are user code here
  return frame.includes(libraryUrl) || frame.includes(libraryPath) || frame.includes('node:internal');
}

/** The caller's stack, without chainrule's own frames, for naming where an op was created. */
export function creationSite(): string {
  const stack = new Error().stack ?? '';
  const frames = stack.split('\n').slice(1).map((l) => l.trim());
  const user = frames.filter((f) => !isLibraryFrame(f));
  return (user.length > 0 ? user : frames).slice(0, 3).join('\n    ');
}

/** The node whose backward is running, while anomaly detection is on (so errors name it). */
export interface BackwardSite {
  opName: string;
  createdAt: string | undefined;
}
let currentBackward: BackwardSite | null = null;

/** @internal The backward being run, or null in forward. */
export function backwardSite(): BackwardSite | null {
  return currentBackward;
}

/** @internal Sets the backward being run; returns the previous one to restore. */
export function swapBackwardSite(site: BackwardSite | null): BackwardSite | null {
  const previous = currentBackward;
  currentBackward = site;
  return previous;
}
