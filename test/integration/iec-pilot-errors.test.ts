// IEC 61851-1 pilot line errors on the simulated board and simulated time: state E (CP shorted) and the
// missing EV diode (REFERENCE.md 1.1 "Diode check", 1.4; DESIGN.md "The safety path"), including how the
// connector leaves the error again: the pilot state it acts on must be the one on the line then, not the
// one from before the error.

import { afterEach, describe, expect, it } from 'vitest';
import { createCapsRig } from '../helpers/caps-rig.js';
import { createRig, type Rig } from '../helpers/rig.js';
import { charging, cpSince, plugIn, watch } from '../helpers/timeline.js';

let rig: Rig;
afterEach(() => rig?.stop());

const contactor = (r: Rig) => ({ cmd: r.c().context.contactorCmd, hal: r.hal.connectors[0]!.contactor.commandedClosed });
const faultCodes = (r: Rig) => r.faults.list(1).map((f) => [f.name, f.errorCode]);

describe('E: pilot shorted while charging', () => {
  it('opens at once, shows F 300 ms then steady, reports Faulted, and resumes once cleared', async () => {
    // GIVEN a charging session
    rig = createRig();
    await charging(rig);
    const t = watch(rig);
    const from = rig.clock.now();
    // WHEN the CP is shorted to PE
    rig.board().setFault('pilot-short', true);
    // THEN the contactor opens in that call, the CP goes to F, the registry holds pilot-short
    expect(contactor(rig)).toEqual({ cmd: false, hal: false });
    expect(rig.board().pilot.output).toEqual({ mode: 'negative' });
    expect(rig.c().status).toBe('Faulted');
    expect(faultCodes(rig)).toEqual([['pilot-short', 'EVCommunicationError']]);
    await rig.advance(1000, 10);
    expect(cpSince(t, from)).toEqual([
      { dt: 0, mode: 'negative' },
      { dt: 300, mode: 'steady' },
    ]);
    // WHEN the short goes away THEN the fault clears and the session charges again
    rig.board().setFault('pilot-short', false);
    await rig.advance(1500);
    expect(faultCodes(rig)).toEqual([]);
    expect(rig.c().status).toBe('Charging');
    expect(contactor(rig)).toEqual({ cmd: true, hal: true });
  });
});

describe('diode missing', () => {
  it('never closes, raises diode (Faulted), and clears only in state A', async () => {
    // GIVEN an EV without the CP diode, plugged in
    rig = createRig();
    rig.board().setFault('diode', true);
    await plugIn(rig);
    // WHEN it is authorized (PWM starts) and asks for power
    rig.c().authorize('04A1B2C3');
    await rig.advance(300);
    rig.board().request('charge');
    await rig.advance(5000);
    // THEN the contactor was never closed and the diode fault is reported
    expect(rig.board().contactor.closeCommands).toBe(0);
    expect(rig.board().physical.contactsClosed).toBe(false);
    expect(faultCodes(rig)).toEqual([['diode', 'EVCommunicationError']]);
    expect(rig.c().status).toBe('Faulted');
    // WHEN the diode "comes back" while still plugged THEN nothing clears (CB: only in A)
    rig.board().setFault('diode', false);
    await rig.advance(5000);
    expect(rig.c().status).toBe('Faulted');
    expect(rig.board().contactor.closeCommands).toBe(0);
    // WHEN unplugged THEN the fault clears and the connector is Available
    rig.board().unplug();
    await rig.advance(500);
    expect(faultCodes(rig)).toEqual([]);
    expect(rig.c().status).toBe('Available');
  });
});

describe('leaving E acts on the line as it is now, not on the state from before the error', () => {
  it('E cleared by unplugging: no PWM is offered to the empty socket, status goes Faulted -> Available', async () => {
    // GIVEN a session that was charging when the CP got shorted
    rig = createRig();
    await charging(rig);
    rig.board().setFault('pilot-short', true);
    await rig.advance(1000);
    expect(rig.c().status).toBe('Faulted');
    const t = watch(rig);
    const n = rig.statuses().length;
    // WHEN the cable is pulled
    rig.board().unplug();
    await rig.advance(1000);
    // THEN the CP stays steady +12 V and the contactor is never commanded closed
    expect(t.cp.map((e) => e.output.mode)).not.toContain('pwm');
    expect(t.contactor.filter((c) => c.closed)).toEqual([]);
    expect(rig.statuses().slice(n)).toEqual(['Available']);
  });

  it('E cleared with the EV in B: statuses go Faulted -> SuspendedEV -> Charging', async () => {
    // GIVEN a session that was charging (C) when the CP got shorted; the EV opened S2 meanwhile
    rig = createRig();
    await charging(rig);
    rig.board().setFault('pilot-short', true);
    await rig.advance(1000);
    const n = rig.statuses().length;
    // WHEN the short goes away
    rig.board().setFault('pilot-short', false);
    await rig.advance(1500);
    // THEN no SuspendedEVSE flashes up from the stale C: the EV is seen in B, then charges
    expect(rig.statuses().slice(n - 1)).toEqual(['Faulted', 'SuspendedEV', 'Charging']);
  });

  it.each([
    ['unplugging', (b: ReturnType<Rig['board']>) => b.unplug()],
    ['removing the short with the EV in B', (b: ReturnType<Rig['board']>) => b.setFault('pilot-short', false)],
  ])('without a diode check, leaving E by %s never closes the contactor on the stale C', async (_name, act) => {
    // GIVEN a front-end without the diode check, charging, when the CP gets shorted
    const r = createCapsRig({ diodeCheck: false });
    try {
      r.board.plug();
      await r.advance(300);
      r.runtime.authorize('04A1B2C3');
      await r.advance(300);
      r.board.request('charge');
      await r.advance(600);
      expect(r.runtime.status).toBe('Charging');
      r.board.setFault('pilot-short', true);
      await r.advance(1000);
      const closes = r.board.contactor.closeCommands;
      // WHEN the error ends with the EV not in C (its S2 is open)
      act(r.board);
      expect(r.board.ev.s2Closed).toBe(false);
      await r.advance(300);
      // THEN no close command went out (the EV must present C again, debounced 500 ms, first)
      expect(r.board.contactor.closeCommands).toBe(closes);
    } finally {
      r.stop();
    }
  });
});
