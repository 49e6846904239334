// IEC 61851-1 fault sequences on the simulated board and simulated time: EVSE-driven F and the fault
// unlock, contactor feedback, EV over-current, meter loss and over-temperature (REFERENCE.md 1.3, 3;
// DESIGN.md "The safety path"). Every fault is injected through the sim's control surface and detected by
// the real runtime (poller, fault registry, machine). Pilot line errors (E, diode): iec-pilot-errors.test.ts.

import { afterEach, describe, expect, it } from 'vitest';
import type { FaultName } from '../../src/faults/registry.js';
import { createRig, type Rig } from '../helpers/rig.js';
import { charging, cpSince, plugIn, watch } from '../helpers/timeline.js';

let rig: Rig;
afterEach(() => rig?.stop());

const contactor = (r: Rig) => ({ cmd: r.c().context.contactorCmd, hal: r.hal.connectors[0]!.contactor.commandedClosed });
const faultCodes = (r: Rig) => r.faults.list(1).map((f) => [f.name, f.errorCode]);
const since = (r: Rig, name: FaultName) => r.faults.list(1).find((f) => f.name === name)?.since;

describe('EVSE-driven F on a blocking fault while charging (Table A.5) and the fault unlock', () => {
  it('drives F at once, steady after 300 ms, and releases the cable 5 s after the fault', async () => {
    // GIVEN a charging session with the cable locked
    rig = createRig();
    await charging(rig);
    const t = watch(rig);
    const from = rig.clock.now();
    // WHEN the residual-current monitor trips
    rig.board().setFault('rcd', true);
    // THEN contactor open and F at once; steady +12 V after faultStateF
    expect(contactor(rig)).toEqual({ cmd: false, hal: false });
    expect(rig.board().pilot.output).toEqual({ mode: 'negative' });
    await rig.advance(299, 1);
    expect(rig.board().pilot.output).toEqual({ mode: 'negative' });
    await rig.advance(1, 1);
    expect(rig.board().pilot.output).toEqual({ mode: 'steady' });
    expect(faultCodes(rig)).toEqual([['rcd', 'GroundFailure']]);
    // AND the cable stays locked until 5 s, then is released
    await rig.advance(4690, 10);
    expect(rig.board().lock!.commandedLocked).toBe(true);
    await rig.advance(10, 10);
    expect(rig.board().lock!.commandedLocked).toBe(false);
    await rig.advance(200);
    expect(rig.board().physical.locked).toBe(false);
    expect(cpSince(t, from)).toEqual([
      { dt: 0, mode: 'negative' },
      { dt: 300, mode: 'steady' },
    ]);
    expect(rig.c().status).toBe('Faulted');
  });
});

describe('contactor mirror-contact supervision', () => {
  it('welded: an open command with no open feedback latches contactor-welded at 250 ms; cable stays locked', async () => {
    // GIVEN a charging session whose contactor welds
    rig = createRig();
    await charging(rig);
    rig.board().setFault('welded-contactor', true);
    await rig.advance(1000);
    // WHEN the EV pauses (open command)
    rig.board().request('pause');
    const from = rig.clock.now();
    expect(contactor(rig)).toEqual({ cmd: false, hal: false });
    await rig.advance(250, 10);
    // THEN the mirror still reports closed and contactor-welded is latched 250 ms after the command
    expect(rig.board().physical.contactsClosed).toBe(true);
    expect(since(rig, 'contactor-welded')).toBe(from + 250);
    expect(rig.c().status).toBe('Faulted');
    expect(rig.c().context.latched).toEqual(['contactor-welded']);
    // AND the cable stays locked while the contacts are welded, past the 5 s fault unlock and an unplug
    await rig.advance(10_000);
    rig.board().unplug();
    await rig.advance(1000);
    expect(rig.board().physical.locked).toBe(true);
    expect(rig.board().lock!.commandedLocked).toBe(true);
    // WHEN the sim fault is cleared THEN the latch (and Faulted) remain
    rig.board().setFault('welded-contactor', false);
    await rig.advance(2000);
    expect(rig.board().physical.contactsClosed).toBe(false);
    expect(rig.c().status).toBe('Faulted');
    expect(faultCodes(rig)).toEqual([['contactor-welded', 'OtherError']]);
  });

  it('fails to close: no closed feedback within 250 ms latches contactor-fails-to-close', async () => {
    // GIVEN an authorized session whose contactor cannot close
    rig = createRig();
    rig.board().setFault('contactor-fails-to-close', true);
    await plugIn(rig);
    rig.c().authorize('04A1B2C3');
    await rig.advance(300);
    const t = watch(rig);
    // WHEN the EV requests power and the close command goes out
    rig.board().request('charge');
    await rig.advance(1000, 10);
    // THEN 250 ms after the close command the fault is latched and the contactor commanded open again
    const closedAt = t.contactor.find((c) => c.closed)!.at;
    expect(since(rig, 'contactor-fails-to-close')).toBe(closedAt + 250);
    expect(t.contactor).toEqual([
      { at: closedAt, closed: true },
      { at: closedAt + 250, closed: false },
    ]);
    expect(rig.c().status).toBe('Faulted');
    // WHEN the sim fault is cleared THEN it stays Faulted and never closes again
    rig.board().setFault('contactor-fails-to-close', false);
    await rig.advance(5000);
    expect(rig.c().status).toBe('Faulted');
    expect(rig.board().contactor.closeCommands).toBe(1);
    expect(faultCodes(rig)).toEqual([['contactor-fails-to-close', 'OtherError']]);
  });
});

describe('EV over-current (REFERENCE.md 3: (PWM A + 0.5) x 1.1 for 7 s)', () => {
  it('trips 7 s after the first over-limit reading, not 6 s, then opens; clears on unplug', async () => {
    // GIVEN a session charging at 32 A (limit 35.75 A)
    rig = createRig();
    await charging(rig);
    let overAt: number | null = null;
    rig.c().overCurrent.subscribe((s) => {
      if (s.value === 'over' && overAt === null) overAt = rig.clock.now();
    });
    // WHEN the EV draws 1.4 x the offered current
    rig.board().setFault('ev-overcurrent', true);
    await rig.advance(1000);
    expect(overAt).not.toBeNull();
    expect(rig.c().poller.last!.currentA.l1).toBeGreaterThan((32 + 0.5) * 1.1);
    // THEN at 6 s nothing has tripped and it is still charging
    await rig.advance(overAt! + 6000 - rig.clock.now(), 10);
    expect(rig.faults.has(1, 'ev-overcurrent')).toBe(false);
    expect(contactor(rig).cmd).toBe(true);
    // AND at 7 s the fault is raised and the contactor opens
    await rig.advance(1000, 10);
    expect(since(rig, 'ev-overcurrent')).toBe(overAt! + 7000);
    expect(contactor(rig)).toEqual({ cmd: false, hal: false });
    expect(faultCodes(rig)).toEqual([['ev-overcurrent', 'OverCurrentFailure']]);
    expect(rig.c().status).toBe('Faulted');
    // WHEN the EV is unplugged THEN it clears
    rig.board().unplug();
    await rig.advance(500);
    expect(faultCodes(rig)).toEqual([]);
    expect(rig.c().status).toBe('Available');
  });
});

describe('meter offline', () => {
  it('raises meter-offline on the third failed 1 s read, opens, and clears when the meter answers', async () => {
    // GIVEN a charging session; a meter read happens every whole second of sim time
    rig = createRig();
    const start = rig.clock.now();
    await charging(rig);
    await rig.advance(1000 - ((rig.clock.now() - start) % 1000)); // right after a poll
    const from = rig.clock.now();
    // WHEN the meter stops answering
    rig.board().setFault('meter-offline', true);
    // THEN after two failed reads nothing happens, on the third the fault is raised and it opens
    await rig.advance(2950);
    expect(rig.faults.has(1, 'meter-offline')).toBe(false);
    expect(contactor(rig).cmd).toBe(true);
    await rig.advance(50);
    expect(since(rig, 'meter-offline')).toBe(from + 3000);
    expect(contactor(rig)).toEqual({ cmd: false, hal: false });
    expect(faultCodes(rig)).toEqual([['meter-offline', 'PowerMeterFailure']]);
    expect(rig.c().status).toBe('Faulted');
    // WHEN the meter answers again THEN the fault clears on the next read and charging resumes
    rig.board().setFault('meter-offline', false);
    await rig.advance(3000);
    expect(faultCodes(rig)).toEqual([]);
    expect(rig.c().status).toBe('Charging');
  });
});

describe('over-temperature', () => {
  /** A charging session, 1 s after a temperature poll (polls run every 5 s of sim time since start). */
  async function chargingBetweenPolls(): Promise<void> {
    rig = createRig();
    const start = rig.clock.now();
    await charging(rig);
    await rig.advance(5000 - ((rig.clock.now() - start) % 5000) + 1000);
  }

  it('raises overtemp on the next 5 s temperature poll, opens, and returns to Charging when cool', async () => {
    // GIVEN a charging session between two temperature polls
    await chargingBetweenPolls();
    // WHEN the enclosure reaches 85 °C
    rig.board().setFault('overtemp', true);
    // THEN nothing until the next poll 4 s later; then overtemp (HighTemperature), open, Faulted
    await rig.advance(3950);
    expect(rig.faults.has(1, 'overtemp')).toBe(false);
    expect(contactor(rig).cmd).toBe(true);
    await rig.advance(50);
    expect(faultCodes(rig)).toEqual([['overtemp', 'HighTemperature']]);
    expect(contactor(rig)).toEqual({ cmd: false, hal: false });
    expect(rig.c().status).toBe('Faulted');
    // WHEN it cools down after 6 s (the cable was released at 5 s) THEN the next poll clears it and the
    // session charges again
    await rig.advance(6000);
    expect(rig.board().physical.locked).toBe(false);
    rig.board().setFault('overtemp', false);
    await rig.advance(5000);
    expect(faultCodes(rig)).toEqual([]);
    expect(rig.c().status).toBe('Charging');
    expect(contactor(rig)).toEqual({ cmd: true, hal: true });
  });

  it('resumes after an excursion of one poll interval, whose clearing meets the 5 s fault unlock', async () => {
    // GIVEN a charging session that overheats for one temperature poll
    await chargingBetweenPolls();
    rig.board().setFault('overtemp', true);
    await rig.advance(4000);
    expect(rig.c().status).toBe('Faulted');
    rig.board().setFault('overtemp', false);
    // WHEN the next poll (5 s later) clears it, at the moment the 5 s fault unlock is commanded
    await rig.advance(5000);
    expect(faultCodes(rig)).toEqual([]);
    // THEN the cable (which never got to move) is locked again, PWM returns and the EV charges again
    await rig.advance(5000);
    expect(rig.board().physical.locked).toBe(true);
    expect(rig.board().pilot.output).toEqual({ mode: 'pwm', dutyPercent: 53.3 });
    expect(rig.c().status).toBe('Charging');
  });
});
