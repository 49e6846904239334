// Fault x connector-state matrix on the simulated board and simulated time: every sim fault injected in
// every connector state the sim can reach, then 10 s of simulated time for detection (the slowest
// detector is EV over-current: first over-limit meter read within 1 s + 7 s persistence).
//
// In every cell: the contactor ends commanded open (machine context and HAL), and no contact carries
// current except a welded one. Where the fault is detectable, the status is Faulted and the registry
// holds exactly that fault with its OCPP errorCode. Cells where the fault cannot show, and what they
// assert instead (status unchanged, registry empty, contactor open):
//   - contactor-fails-to-close: only visible when a close is commanded; it is detected only in
//     Charging (the mirror contact drops while the contactor is commanded closed). Elsewhere nothing is
//     being closed.
//   - diode: the diode is checked on the negative PWM half, so only with PWM on an EV (SuspendedEV,
//     Charging). Available / authorized-not-plugged have no EV; plugged-not-authorized, SuspendedEVSE
//     (limit 0) and Finishing drive steady +12 V.
//   - pilot-short: the sim models the CP short through the plugged EV's cable, so the two states without
//     an EV (Available, authorized-not-plugged) read A.
//   - ev-overcurrent: needs current flowing, i.e. Charging only.
//   - welded-contactor: detected everywhere, but differently: with the contacts open it shows as an
//     uncommanded closing at once; in Charging the contacts are meant to be closed, so it is invisible
//     until the next open command. That cell asserts "still Charging, no fault" after 10 s, then lets
//     the EV pause and asserts the latch within 250 ms of the open command.

import { afterEach, describe, expect, it } from 'vitest';
import { SIM_FAULTS, type SimFault } from '../../hal/sim/index.js';
import type { FaultName, OcppErrorCode } from '../../src/faults/registry.js';
import { createRig, type Rig } from '../helpers/rig.js';
import { charging, plugIn, suspendedEv } from '../helpers/timeline.js';

type StateName =
  | 'Available'
  | 'Preparing (plugged, not authorized)'
  | 'Preparing (authorized, not plugged)'
  | 'SuspendedEV'
  | 'Charging'
  | 'SuspendedEVSE (limit 0)'
  | 'Finishing (stopped, still plugged)';

interface StateSetup {
  name: StateName;
  status: string;
  enter: (r: Rig) => Promise<void>;
}

const STATES: StateSetup[] = [
  { name: 'Available', status: 'Available', enter: (r) => r.advance(100) },
  { name: 'Preparing (plugged, not authorized)', status: 'Preparing', enter: (r) => plugIn(r) },
  {
    name: 'Preparing (authorized, not plugged)',
    status: 'Preparing',
    enter: async (r) => {
      r.c().authorize('04A1B2C3');
      await r.advance(100);
    },
  },
  { name: 'SuspendedEV', status: 'SuspendedEV', enter: (r) => suspendedEv(r) },
  { name: 'Charging', status: 'Charging', enter: (r) => charging(r) },
  {
    name: 'SuspendedEVSE (limit 0)',
    status: 'SuspendedEVSE',
    enter: async (r) => {
      await charging(r);
      r.c().setCurrentLimit(0);
      await r.advance(1000);
    },
  },
  {
    name: 'Finishing (stopped, still plugged)',
    status: 'Finishing',
    enter: async (r) => {
      await charging(r);
      r.c().stopSession('Local');
      await r.advance(1000);
    },
  },
];

/** The registry fault each sim fault must raise, and its OCPP errorCode. */
const EXPECTED: Record<SimFault, { fault: FaultName; code: OcppErrorCode }> = {
  rcd: { fault: 'rcd', code: 'GroundFailure' },
  'welded-contactor': { fault: 'contactor-welded', code: 'OtherError' },
  'contactor-fails-to-close': { fault: 'contactor-fails-to-close', code: 'OtherError' },
  diode: { fault: 'diode', code: 'EVCommunicationError' },
  'pilot-short': { fault: 'pilot-short', code: 'EVCommunicationError' },
  'meter-offline': { fault: 'meter-offline', code: 'PowerMeterFailure' },
  overtemp: { fault: 'overtemp', code: 'HighTemperature' },
  'ev-overcurrent': { fault: 'ev-overcurrent', code: 'OverCurrentFailure' },
};

const EV_PRESENT: StateName[] = [
  'Preparing (plugged, not authorized)',
  'SuspendedEV',
  'Charging',
  'SuspendedEVSE (limit 0)',
  'Finishing (stopped, still plugged)',
];

/** Where the fault can show in the sim (see the header comment for the reasons). */
function detectable(fault: SimFault, state: StateName): boolean {
  switch (fault) {
    case 'contactor-fails-to-close':
    case 'ev-overcurrent':
      return state === 'Charging';
    case 'diode':
      return state === 'SuspendedEV' || state === 'Charging';
    case 'pilot-short':
      return EV_PRESENT.includes(state);
    default:
      return true;
  }
}

let rig: Rig;
afterEach(() => rig?.stop());

describe.each(SIM_FAULTS.map((f) => [f]))('fault matrix: %s', (fault) => {
  const cells = STATES.map((s) => [s.name, detectable(fault, s.name) ? 'detected' : 'not detectable', s] as const);

  it.each(cells)('in %s: %s', async (state, _detect, setup) => {
    // GIVEN the connector in the state
    rig = createRig();
    await setup.enter(rig);
    expect(rig.c().status).toBe(setup.status);
    expect(rig.faults.list(1)).toEqual([]);
    // WHEN the fault is injected and detection time passes
    rig.board().setFault(fault, true);
    await rig.advance(10_000);
    if (fault === 'welded-contactor' && state === 'Charging') {
      // Invisible while the contactor is meant to be closed; the next open command reveals it.
      expect(rig.c().status).toBe('Charging');
      expect(rig.faults.list(1)).toEqual([]);
      rig.board().request('pause');
      await rig.advance(250, 10);
    }
    // THEN the contactor is commanded open, and no unwelded contact carries current
    expect(rig.c().context.contactorCmd).toBe(false);
    expect(rig.hal.connectors[0]!.contactor.commandedClosed).toBe(false);
    expect(rig.board().physical.contactsClosed).toBe(fault === 'welded-contactor');
    const faults = rig.faults.list(1).map((f) => ({ fault: f.name, code: f.errorCode }));
    if (detectable(fault, state)) {
      // AND it is reported: Faulted, with the fault and its OCPP errorCode
      expect(rig.c().status).toBe('Faulted');
      expect(faults).toEqual([EXPECTED[fault]]);
      expect(rig.faults.errorCode(1)).toBe(EXPECTED[fault].code);
    } else {
      // AND nothing is reported and the connector stays where it was
      expect(faults).toEqual([]);
      expect(rig.c().status).toBe(setup.status);
    }
  });
});
