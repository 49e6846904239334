// Pilot interpretation: raw CP samples -> debounced IEC 61851-1 events for the connector machine.
// Owns: debouncing (REFERENCE.md 1.3 "Debouncing"), the diode check (1.1), error detection (E, F, out of band).
// Must not: command any output. Rule: debounce entry into B (plug) and C/D (request); never delay a move
// that leads to opening the contactor (C->B, ->A, E, F, invalid, diode).

import { assign, enqueueActions, setup } from 'xstate';
import { TIMING } from './timing.js';

export type RawState = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'invalid';
export type ValidState = 'A' | 'B' | 'C' | 'D';
export type PilotErrorKind = 'E' | 'F' | 'invalid' | 'diode';
export type DrivenMode = 'pwm' | 'steady' | 'negative' | 'off';

export type PilotInput =
  | { type: 'PilotSample'; state: RawState; diodeOk: boolean | null }
  /** The EVSE changed what it drives; samples are meaningless while it drives -12 V or nothing. */
  | { type: 'CpDriven'; mode: DrivenMode };

export type PilotEvent =
  | { type: 'CarPluggedIn' }
  | { type: 'CarRequestedPower'; ventilation: boolean }
  | { type: 'CarStoppedRequesting' }
  | { type: 'CarUnplugged' }
  | { type: 'PilotError'; kind: PilotErrorKind }
  | { type: 'PilotErrorCleared' }
  | { type: 'DiodeVerified' };

interface Ctx {
  committed: ValidState;
  candidate: ValidState | null;
  error: PilotErrorKind | null;
  /** A missing diode stays latched until the EV is unplugged (CB clears it only in A), whatever follows. */
  diodeLatched: boolean;
  pwmOn: boolean;
  diodeVerified: boolean;
}

type Decision = 'error' | 'diode' | 'clearNow' | 'clearLater' | 'commit' | 'plug' | 'request' | 'stable' | 'ignore';

const isValid = (s: RawState): s is ValidState => s === 'A' || s === 'B' || s === 'C' || s === 'D';
const requesting = (s: ValidState): boolean => s === 'C' || s === 'D';

/** What a sample means given what is committed. Pure; used by the guards below. */
export function decide(ctx: Ctx, sample: { state: RawState; diodeOk: boolean | null }): Decision {
  const d = decideRaw(ctx, sample);
  // A repeated sample of the level being debounced keeps the running timer (real drivers sample often).
  if ((d === 'plug' || d === 'request' || d === 'clearLater') && ctx.candidate === sample.state) return 'ignore';
  return d;
}

function decideRaw(ctx: Ctx, sample: { state: RawState; diodeOk: boolean | null }): Decision {
  const s = sample.state;
  // 1.4: E/F/out-of-band act at once; the same error seen again while clearing cancels the clearing.
  if (!isValid(s)) return ctx.error === s && ctx.candidate === null ? 'ignore' : 'error';
  if (ctx.pwmOn && sample.diodeOk === false && s !== 'A') return ctx.error === 'diode' ? 'ignore' : 'diode';
  if (ctx.error !== null) {
    if (s === 'A') return 'clearNow'; // unplugged: every pilot error clears in A (CB clears diode in A only)
    return ctx.diodeLatched ? 'ignore' : 'clearLater';
  }
  if (s === ctx.committed) return 'stable';
  if (s === 'A') return 'commit'; // 1.3: unplug is never delayed
  if (s === 'B') return requesting(ctx.committed) ? 'commit' : 'plug'; // C->B opens at once (seq. 8.1)
  if (requesting(ctx.committed)) return 'commit'; // C<->D: ventilation change acts at once
  return 'request'; // A/B -> C/D: debounced (SE 500 ms)
}

/** Events announcing a committed change from one valid state to another. */
export function transitionEvents(from: ValidState, to: ValidState): PilotEvent[] {
  if (from === to) return [];
  if (to === 'A') return [{ type: 'CarUnplugged' }];
  const events: PilotEvent[] = from === 'A' ? [{ type: 'CarPluggedIn' }] : [];
  if (requesting(to)) events.push({ type: 'CarRequestedPower', ventilation: to === 'D' });
  else if (requesting(from)) events.push({ type: 'CarStoppedRequesting' });
  return events;
}

const decision = (d: Decision) => ({ type: 'decision' as const, params: { is: d } });

export const pilotMachine = setup({
  types: {
    context: {} as Ctx,
    events: {} as PilotInput,
    emitted: {} as PilotEvent,
  },
  delays: {
    plugDebounce: TIMING.plugDebounce,
    requestDebounce: TIMING.requestDebounce,
    errorClearDebounce: TIMING.errorClearDebounce,
  },
  guards: {
    decision: ({ context, event }, params: { is: Decision }) =>
      event.type === 'PilotSample' && decide(context, event) === params.is,
    drivesPositive: ({ event }) => event.type === 'CpDriven' && (event.mode === 'pwm' || event.mode === 'steady'),
  },
  actions: {
    raiseError: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'PilotSample') return;
      const kind: PilotErrorKind = isValid(event.state) ? 'diode' : event.state;
      enqueue.assign({ error: kind, candidate: null, ...(kind === 'diode' ? { diodeLatched: true } : {}) });
      if (context.error !== kind) enqueue.emit({ type: 'PilotError', kind });
    }),
    setCandidate: assign({
      candidate: ({ event }) => (event.type === 'PilotSample' && isValid(event.state) ? event.state : null),
    }),
    commitSample: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'PilotSample' || !isValid(event.state)) return;
      for (const e of transitionEvents(context.committed, event.state)) enqueue.emit(e);
      enqueue.assign({ committed: event.state, candidate: null, ...(event.state === 'A' ? { diodeVerified: false } : {}) });
    }),
    commitCandidate: enqueueActions(({ context, enqueue }) => {
      if (!context.candidate) return;
      for (const e of transitionEvents(context.committed, context.candidate)) enqueue.emit(e);
      enqueue.assign({ committed: context.candidate, candidate: null });
    }),
    clearError: enqueueActions(({ context, enqueue }) => {
      if (context.error === null) return;
      enqueue.assign({ error: null, diodeLatched: false });
      enqueue.emit({ type: 'PilotErrorCleared' });
    }),
    dropCandidate: assign({ candidate: null }),
    noteDiode: enqueueActions(({ context, event, enqueue }) => {
      // In A the -12 V is our own output with no EV on the line: nothing verified.
      if (event.type !== 'PilotSample' || event.state === 'A' || !context.pwmOn || context.diodeVerified) return;
      if (event.diodeOk !== true || context.error !== null) return;
      enqueue.assign({ diodeVerified: true });
      enqueue.emit({ type: 'DiodeVerified' });
    }),
    noteDriven: assign(({ event }) =>
      event.type === 'CpDriven' ? { pwmOn: event.mode === 'pwm', ...(event.mode === 'pwm' ? {} : { diodeVerified: false }) } : {},
    ),
  },
}).createMachine({
  id: 'pilot',
  context: { committed: 'A', candidate: null, error: null, diodeLatched: false, pwmOn: false, diodeVerified: false },
  initial: 'watching',
  states: {
    watching: {
      initial: 'stable',
      on: {
        CpDriven: [
          { guard: 'drivesPositive', actions: 'noteDriven' },
          // EVSE drives -12 V (F) or nothing: the line shows our own output, not the EV (REFERENCE.md 1.4).
          { target: 'suspended', actions: ['noteDriven', 'dropCandidate'] },
        ],
        PilotSample: [
          { guard: decision('error'), target: '.error', actions: 'raiseError' },
          { guard: decision('diode'), target: '.error', actions: 'raiseError' },
          // The new level is committed before the error clears, so the connector never acts on the level
          // from before the error (e.g. C while the line now shows A).
          { guard: decision('clearNow'), target: '.stable', actions: ['commitSample', 'clearError'] },
          { guard: decision('clearLater'), target: '.clearing', actions: 'setCandidate' },
          { guard: decision('commit'), target: '.stable', actions: ['commitSample', 'noteDiode'] },
          { guard: decision('stable'), target: '.stable', actions: ['dropCandidate', 'noteDiode'] },
          { guard: decision('plug'), target: '.debouncingPlug', actions: ['setCandidate', 'noteDiode'] },
          { guard: decision('request'), target: '.debouncingRequest', actions: ['setCandidate', 'noteDiode'] },
          { actions: 'noteDiode' }, // 'ignore': same level again
        ],
      },
      states: {
        stable: {},
        // IEC 61851-1 A.3 / REFERENCE.md 1.3: A->B must hold plugDebounce; a single A->B->A glitch is dropped.
        debouncingPlug: {
          after: { plugDebounce: { target: 'stable', actions: 'commitCandidate' } },
        },
        // REFERENCE.md 1.3 (SE): B->C must hold requestDebounce before the contactor may close.
        debouncingRequest: {
          after: { requestDebounce: { target: 'stable', actions: 'commitCandidate' } },
        },
        error: {},
        // A valid level after E/F/out-of-band must hold before the error clears; A clears at once.
        clearing: {
          after: { errorClearDebounce: { target: 'stable', actions: ['commitCandidate', 'clearError'] } },
        },
      },
    },
    suspended: {
      on: {
        CpDriven: { guard: 'drivesPositive', target: 'watching', actions: 'noteDriven' },
      },
    },
  },
});

export type PilotMachine = typeof pilotMachine;
