// The connector / session machine (IEC 61851-1 Mode 3 with OCPP 1.6 connector statuses).
// Owns: the session phases, every safety timer (named delays), and driving the CP, contactor and lock
// through actions the app provides with `.provide()`. Each event updates the context and then `reconcile`
// decides all outputs synchronously (connector-logic.ts `plan`), so the contactor opens in the same event.
// Must not: import hal or src, await anything, or read clocks other than XState's.

import { assign, enqueueActions, setup } from 'xstate';
import { dutyFor, plan, type LatchedFault } from './connector-logic.js';
import {
  IMMEDIATE_STOPS,
  initialContext,
  latch,
  notify,
  type ConnectorEmitted,
  type ConnectorInput,
  type ConnectorMachineContext,
  type ConnectorMachineInput,
  type Internal,
} from './connector-types.js';
import { TIMING } from './timing.js';

export type { ConnectorEmitted, ConnectorInput, ConnectorMachineContext, ConnectorMachineInput, StopReason } from './connector-types.js';

export const connectorMachine = setup({
  types: {
    context: {} as ConnectorMachineContext,
    events: {} as ConnectorInput | Internal,
    emitted: {} as ConnectorEmitted,
    input: {} as ConnectorMachineInput,
  },
  delays: {
    contactorFeedback: TIMING.contactorFeedback,
    lockFeedback: TIMING.lockFeedback,
    pwmMinInterval: TIMING.pwmMinInterval,
    powerOffUnderLoad: TIMING.powerOffUnderLoad,
    faultStateF: TIMING.faultStateF,
    faultUnlock: TIMING.faultUnlock,
    wakeUpAfter: TIMING.wakeUpAfter,
    wakeUpStateF: TIMING.wakeUpStateF,
    wakeUpX1: TIMING.wakeUpX1,
    connectionTimeout: ({ context }) => context.connectionTimeoutMs,
  },
  actions: {
    // Outputs: provided by the app (hal calls). They must be synchronous.
    /** Drive context.cp with context.cpDuty. */
    driveCp: () => {},
    closeContactor: () => {},
    openContactor: () => {},
    lockCable: () => {},
    unlockCable: () => {},

    reconcile: enqueueActions(({ context: c, enqueue }) => {
      const p = plan(c);
      const noFeedback = !c.caps.contactorFeedback;
      const cpChanged = p.cp !== c.cp || p.appliedA !== c.appliedA;
      // Order matters: open first, then CP, then lock, and close last (PWM and lock already in place).
      // The provided output actions read the context assigned just before them.
      if (c.contactorCmd && !p.contactor) {
        enqueue.assign({ contactorCmd: false, contactorFb: noFeedback ? false : c.contactorFb });
        enqueue('openContactor');
        if (!noFeedback) enqueue.raise({ type: 'ContactorCommanded' });
      }
      enqueue.assign({
        cp: p.cp,
        appliedA: p.appliedA,
        cpDuty: p.cp === 'pwm' ? dutyFor(p.appliedA) : p.cp === 'steady' ? 100 : 0,
        c1Grace: p.c1Grace,
        faultF: p.faultF,
        faultUnlock: p.faultUnlock,
        pwmHold: p.pwmHold,
        diodeVerified: p.diodeVerified,
        wasBlocked: p.wasBlocked,
      });
      if (cpChanged) enqueue('driveCp');
      if (p.lock !== c.lockCmd) {
        enqueue.assign({ lockCmd: p.lock, lockFb: c.caps.lockFeedback ? c.lockFb : p.lock });
        enqueue(p.lock ? 'lockCable' : 'unlockCable');
        if (c.caps.lockFeedback) enqueue.raise({ type: 'LockCommanded' });
      }
      if (!c.contactorCmd && p.contactor) {
        enqueue.assign({ contactorCmd: true, contactorFb: noFeedback ? true : c.contactorFb });
        enqueue('closeContactor');
        if (!noFeedback) enqueue.raise({ type: 'ContactorCommanded' });
      }
      enqueue.assign({ status: p.status, notices: [] });
      // Notifications go out only after the outputs are driven, so no listener runs before the contactor.
      for (const n of c.notices) enqueue.emit(n);
      if (p.status !== c.status) enqueue.emit({ type: 'StatusChanged', status: p.status });
    }),

    setPilot: assign(({ event }) => {
      switch (event.type) {
        case 'CarPluggedIn':
        case 'CarStoppedRequesting':
          return { pilot: 'B' as const };
        case 'CarRequestedPower':
          return { pilot: event.ventilation ? ('D' as const) : ('C' as const) };
        case 'CarUnplugged':
          return { pilot: 'A' as const, diodeVerified: false };
        default:
          return {};
      }
    }),
    startIfReady: enqueueActions(({ context: c, enqueue }) => {
      if (c.session !== 'authorized' || c.pilot === 'A' || !c.idTag) return;
      enqueue.assign({ session: 'active', graceAllowed: true, wakeUp: 'none' });
      notify(enqueue, { type: 'SessionStarted', idTag: c.idTag });
    }),
    authorize: enqueueActions(({ context: c, event, enqueue }) => {
      if (event.type !== 'Authorize' || !c.operative || c.session === 'active') return;
      enqueue.assign({ session: 'authorized', idTag: event.idTag });
    }),
    stopSession: enqueueActions(({ context: c, event, enqueue }) => {
      if (event.type !== 'StopSession') return;
      const immediate = event.immediate === true || IMMEDIATE_STOPS.has(event.reason);
      // An immediate stop cuts power at once even after a graceful stop whose C1 grace still runs.
      if (immediate) enqueue.assign({ graceAllowed: false });
      if (c.session === 'authorized') enqueue.assign({ session: 'none', idTag: null });
      if (c.session === 'finished' && event.reason === 'UnlockCommand') enqueue.assign({ cableHeld: false });
      if (c.session !== 'active') return;
      enqueue.assign({ session: 'finished', cableHeld: event.keepLocked === true, ...(c.inoperativeAfterSession ? { operative: false, inoperativeAfterSession: false } : {}) });
      if (!immediate) enqueue.assign({ graceAllowed: true });
      notify(enqueue, { type: 'SessionStopped', idTag: c.idTag ?? '', reason: event.reason });
    }),
    endOnUnplug: enqueueActions(({ context: c, enqueue }) => {
      // Unplugging ends a session (OCPP reason EVDisconnected); the machine's lock latch clears with the cable
      // gone (the runtime clears the registry's copy).
      if (c.session === 'active') notify(enqueue, { type: 'SessionStopped', idTag: c.idTag ?? '', reason: 'EVDisconnected' });
      if (c.session === 'active' && c.inoperativeAfterSession) enqueue.assign({ operative: false, inoperativeAfterSession: false });
      const latched = c.latched.filter((f) => f !== 'connector-lock');
      if (c.session !== 'authorized') enqueue.assign({ session: 'none', idTag: null, wakeUp: 'none', latched, cableHeld: false });
      else enqueue.assign({ latched });
    }),
    checkUncommandedFeedback: enqueueActions(({ context: c, event, enqueue }) => {
      if (event.type !== 'ContactorFeedback') return;
      enqueue.assign({ contactorFb: event.closed });
      if (!c.caps.contactorFeedback || c.fbAwaiting || event.closed === c.contactorCmd) return;
      // REFERENCE.md 3 (CB MREC17): a feedback change nobody commanded is a contactor fault, latched.
      const fault: LatchedFault = event.closed ? 'contactor-welded' : 'contactor-fails-to-close';
      enqueue.assign(latch(c, fault));
      notify(enqueue, { type: 'FaultDetected', fault, detail: `mirror contact reports ${event.closed ? 'closed' : 'open'} unbidden` });
    }),
    setOperative: assign(({ context: c, event }) => {
      if (event.type !== 'SetOperative') return {};
      if (event.operative) return { operative: true, inoperativeAfterSession: false };
      if (event.afterSession && c.session === 'active') return { inoperativeAfterSession: true };
      return c.session === 'authorized' ? { operative: false, session: 'none' as const, idTag: null } : { operative: false };
    }),
    checkUncommandedLock: enqueueActions(({ context: c, event, enqueue }) => {
      if (event.type !== 'LockFeedback') return;
      enqueue.assign({ lockFb: event.locked });
      // A locked cable that reports unlocked unbidden (forced, broken actuator) is a lock fault.
      if (event.locked || !c.lockCmd || c.lockAwaiting || !c.caps.lockFeedback) return;
      enqueue.assign(latch(c, 'connector-lock'));
      notify(enqueue, { type: 'FaultDetected', fault: 'connector-lock', detail: 'lock reports unlocked unbidden' });
    }),
    checkFeedbackDeadline: enqueueActions(({ context: c, enqueue }) => {
      if (c.contactorFb === c.contactorCmd) return;
      // REFERENCE.md 3: the feedback edge must arrive within 250 ms of switching.
      const fault: LatchedFault = c.contactorCmd ? 'contactor-fails-to-close' : 'contactor-welded';
      enqueue.assign(latch(c, fault));
      notify(enqueue, { type: 'FaultDetected', fault, detail: `no ${c.contactorCmd ? 'closed' : 'open'} feedback within ${TIMING.contactorFeedback} ms` });
    }),
    checkLockDeadline: enqueueActions(({ context: c, enqueue }) => {
      if (c.lockFb === c.lockCmd) return;
      enqueue.assign(latch(c, 'connector-lock'));
      notify(enqueue, { type: 'FaultDetected', fault: 'connector-lock', detail: `lock did not ${c.lockCmd ? 'lock' : 'unlock'} within ${TIMING.lockFeedback} ms` });
    }),
  },
  guards: {
    fbSettled: ({ context: c }) => c.contactorFb === c.contactorCmd,
    lockSettled: ({ context: c }) => c.lockFb === c.lockCmd,
    pwmHold: ({ context: c }) => c.pwmHold,
    c1Grace: ({ context: c }) => c.c1Grace,
    faultF: ({ context: c }) => c.faultF,
    unlockCountdown: ({ context: c }) => c.caps.lock && c.wasBlocked && !c.faultUnlock,
    wakeUpArmed: ({ context: c }) => c.session === 'active' && c.cp === 'pwm' && c.pilot === 'B' && c.wakeUp === 'none',
    sessionGone: ({ context: c }) => c.session !== 'active',
    waitingForPlug: ({ context: c }) => c.session === 'authorized',
  },
}).createMachine({
  id: 'connector',
  type: 'parallel',
  context: ({ input }) => initialContext(input),
  // Start from a known safe state: contactor open (commanded even if believed open), CP steady +12 V.
  entry: ['openContactor', 'reconcile'],
  on: {
    // IEC 61851-1 A.3 / Table A.6 seq. 1-2: plug in (A->B); a pre-authorized session starts here.
    CarPluggedIn: { actions: ['setPilot', 'startIfReady', 'reconcile'] },
    // Seq. 4 (B->C): close once PWM, diode and lock are in place; seq. 8.1 (C->B): open at once.
    CarRequestedPower: { actions: ['setPilot', 'reconcile'] },
    CarStoppedRequesting: { actions: ['setPilot', 'reconcile'] },
    // Unplug while charging: open at once (REFERENCE.md 1.3, < 100 ms), session ends EVDisconnected.
    CarUnplugged: { actions: ['setPilot', 'endOnUnplug', 'reconcile'] },
    // REFERENCE.md 1.4: E, F, out-of-band or missing diode -> power off, PWM off.
    PilotError: { actions: [assign({ pilotError: ({ event }) => event.kind }), 'reconcile'] },
    PilotErrorCleared: { actions: [assign({ pilotError: null }), 'reconcile'] },
    DiodeVerified: { actions: [assign({ diodeVerified: true }), 'reconcile'] },
    Authorize: { actions: ['authorize', 'startIfReady', 'reconcile'] },
    StopSession: { actions: ['stopSession', 'reconcile'] },
    // OCPP 1.6 3.5.4: the owner presented the card after a DeAuthorized stop that kept the cable locked.
    ReleaseCable: { actions: [assign({ cableHeld: false }), 'reconcile'] },
    SetCurrentLimit: { actions: [assign({ limitA: ({ event }) => Math.max(0, event.amps) }), 'reconcile'] },
    // Going inoperative drops a pending authorization (no session may start on an Unavailable connector);
    // with afterSession it waits for the running session to end (ChangeAvailability Scheduled).
    SetOperative: { actions: ['setOperative', 'reconcile'] },
    SetConnectionTimeout: { actions: assign({ connectionTimeoutMs: ({ event }) => Math.max(1000, event.ms) }) },
    FaultsChanged: { actions: [assign({ blockingFaults: ({ event }) => [...event.blocking] }), 'reconcile'] },
    ContactorFeedback: { actions: ['checkUncommandedFeedback', 'reconcile'] },
    LockFeedback: { actions: ['checkUncommandedLock', 'reconcile'] },
  },
  states: {
    // REFERENCE.md 3: mirror contact must follow within 250 ms; otherwise latch welded / fails-to-close.
    contactorWatch: {
      initial: 'steady',
      on: { ContactorCommanded: { target: '.awaiting', reenter: true } },
      states: {
        steady: {},
        awaiting: {
          entry: assign({ fbAwaiting: true }),
          exit: assign({ fbAwaiting: false }),
          always: { guard: 'fbSettled', target: 'steady' },
          after: { contactorFeedback: { target: 'steady', actions: ['checkFeedbackDeadline', 'reconcile'] } },
        },
      },
    },
    lockWatch: {
      initial: 'steady',
      on: { LockCommanded: { target: '.awaiting', reenter: true } },
      states: {
        steady: {},
        awaiting: {
          entry: assign({ lockAwaiting: true }),
          exit: assign({ lockAwaiting: false }),
          // Settled may mean "never moved" (an unlock reversed mid-travel): no feedback edge will come, so
          // decide again now (PWM waits for the lock).
          always: { guard: 'lockSettled', target: 'steady', actions: 'reconcile' },
          after: { lockFeedback: { target: 'steady', actions: ['checkLockDeadline', 'reconcile'] } },
        },
      },
    },
    // REFERENCE.md 1.3: at least 5 s between PWM duty changes; the latest limit is applied when it ends.
    pwmRate: {
      initial: 'free',
      states: {
        free: { always: { guard: 'pwmHold', target: 'holding' } },
        holding: {
          after: { pwmMinInterval: { target: 'free', actions: [assign({ pwmHold: false }), 'reconcile'] } },
        },
      },
    },
    // REFERENCE.md 1.3, Table A.6 seq. 10.2: PWM off but the EV stays in C -> open under load after 6 s.
    powerOffUnderLoad: {
      initial: 'idle',
      states: {
        idle: { always: { guard: 'c1Grace', target: 'timing' } },
        timing: {
          always: { guard: ({ context }) => !context.c1Grace, target: 'idle' },
          after: { powerOffUnderLoad: { target: 'idle', actions: [assign({ c1Grace: false }), 'reconcile'] } },
        },
      },
    },
    // REFERENCE.md 1.3 (Table A.5): on a fault hold F >= 300 ms, then X1.
    faultHold: {
      initial: 'idle',
      states: {
        idle: { always: { guard: 'faultF', target: 'holdingF' } },
        holdingF: {
          always: { guard: ({ context }) => !context.faultF, target: 'idle' },
          after: { faultStateF: { target: 'idle', actions: [assign({ faultF: false }), 'reconcile'] } },
        },
      },
    },
    // REFERENCE.md 1.3: unlock the connector 5 s after a fault (never while the contactor may be closed).
    faultUnlock: {
      initial: 'idle',
      states: {
        idle: { always: { guard: 'unlockCountdown', target: 'counting' } },
        counting: {
          always: { guard: ({ context }) => !context.wasBlocked, target: 'idle' },
          after: { faultUnlock: { target: 'idle', actions: [assign({ faultUnlock: true }), 'reconcile'] } },
        },
      },
    },
    // REFERENCE.md 1.4 (EVerest, IEC 61851-1 A.5.3): EV stays in B 30 s with PWM on -> F 4 s, X1 750 ms,
    // then PWM again; once per session.
    wakeUp: {
      initial: 'idle',
      states: {
        idle: { always: { guard: 'wakeUpArmed', target: 'waiting' } },
        waiting: {
          always: { guard: ({ context }) => context.wakeUp !== 'none' || !(context.cp === 'pwm' && context.pilot === 'B' && context.session === 'active'), target: 'idle' },
          after: { wakeUpAfter: { target: 'stateF', actions: [assign({ wakeUp: 'F' }), 'reconcile'] } },
        },
        stateF: {
          always: { guard: 'sessionGone', target: 'idle', actions: [assign({ wakeUp: 'done' }), 'reconcile'] },
          after: { wakeUpStateF: { target: 'x1', actions: [assign({ wakeUp: 'X1' }), 'reconcile'] } },
        },
        x1: {
          always: { guard: 'sessionGone', target: 'idle', actions: [assign({ wakeUp: 'done' }), 'reconcile'] },
          after: { wakeUpX1: { target: 'idle', actions: [assign({ wakeUp: 'done' }), 'reconcile'] } },
        },
      },
    },
    // OCPP ConnectionTimeOut: authorized but no cable within the timeout -> authorization lapses.
    connection: {
      initial: 'idle',
      states: {
        idle: { always: { guard: 'waitingForPlug', target: 'waiting' } },
        waiting: {
          always: { guard: ({ context }) => context.session !== 'authorized', target: 'idle' },
          after: {
            connectionTimeout: {
              target: 'idle',
              actions: [
                enqueueActions(({ context, enqueue }) => {
                  notify(enqueue, { type: 'AuthorizationExpired', idTag: context.idTag ?? '' });
                  enqueue.assign({ session: 'none', idTag: null });
                }),
                'reconcile',
              ],
            },
          },
        },
      },
    },
  },
});

export type ConnectorMachine = typeof connectorMachine;
