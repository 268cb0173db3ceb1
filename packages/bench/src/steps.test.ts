import { describe, expect, it } from 'vitest';
import { coldSteps, timeSteps, type StepWorkload } from './steps.js';

const workload = (step: (k: number) => number): StepWorkload => ({
  id: 'test',
  title: 'T test',
  peers: ['chainrule'],
  trainer: async () => ({ step }),
  coldSteps: 2,
  warmupSteps: 0,
  stepsPerRound: 1,
  rounds: { full: 1, quick: 1 },
});

describe('step workloads', () => {
  it('time each step and keep its loss, starting at the batch asked for', async () => {
    const r = await timeSteps({ step: (k) => 10 * k }, 3, 2);
    expect(r.losses).toEqual([20, 30, 40]);
    expect(r.ms).toHaveLength(3);
    for (const ms of r.ms) expect(ms).toBeGreaterThanOrEqual(0);
  });
  it('a peer that cannot train reports its error as the result', async () => {
    const r = await coldSteps(
      workload(() => {
        throw new Error("Kernel 'X' not registered");
      }),
      'chainrule',
      2,
    );
    expect(r).toEqual({ ms: [], losses: [], error: "Error: Kernel 'X' not registered" });
    expect((await coldSteps(workload((k) => k + 1), 'chainrule', 2)).losses).toEqual([1, 2]);
  });
});
