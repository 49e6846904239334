// EV over-current supervision (REFERENCE.md 3, EVerest soft over-current): a phase current above
// (PWM current + 0.5 A) x 1.10 that persists overCurrentPersist (7 s) trips; the app raises the fault.
// Compares against the current actually on the PWM, never the set-point waiting for the 5 s rule.
// Must not: open anything itself (the fault registry -> connector machine does that).

import { assign, emit, setup } from 'xstate';
import { TIMING } from './timing.js';

export type OverCurrentInput = { type: 'CurrentSample'; maxPhaseA: number; pwmA: number } | { type: 'Reset' };
export type OverCurrentEmitted = { type: 'OverCurrentTripped'; maxPhaseA: number; limitA: number };

/** The limit for a PWM current; null when no PWM runs (nothing is offered, nothing to compare). */
export function overCurrentLimit(pwmA: number): number | null {
  return pwmA > 0 ? (pwmA + 0.5) * 1.1 : null;
}

const over = (e: OverCurrentInput): boolean => {
  if (e.type !== 'CurrentSample') return false;
  const limit = overCurrentLimit(e.pwmA);
  return limit !== null && e.maxPhaseA > limit;
};

export const overCurrentMachine = setup({
  types: {
    context: {} as { lastA: number; limitA: number },
    events: {} as OverCurrentInput,
    emitted: {} as OverCurrentEmitted,
  },
  delays: { overCurrentPersist: TIMING.overCurrentPersist },
  guards: { over: ({ event }) => over(event) },
  actions: {
    note: assign(({ event }) =>
      event.type === 'CurrentSample' ? { lastA: event.maxPhaseA, limitA: overCurrentLimit(event.pwmA) ?? 0 } : {},
    ),
  },
}).createMachine({
  id: 'overCurrent',
  context: { lastA: 0, limitA: 0 },
  initial: 'normal',
  states: {
    normal: { on: { CurrentSample: { guard: 'over', target: 'over', actions: 'note' } } },
    over: {
      on: { CurrentSample: [{ guard: 'over', actions: 'note' }, { target: 'normal' }], Reset: 'normal' },
      after: {
        overCurrentPersist: {
          target: 'tripped',
          actions: emit(({ context }) => ({ type: 'OverCurrentTripped' as const, maxPhaseA: context.lastA, limitA: context.limitA })),
        },
      },
    },
    // Latched until the app resets it (the EV is unplugged).
    tripped: { on: { Reset: 'normal' } },
  },
});
