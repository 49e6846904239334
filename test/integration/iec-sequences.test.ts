// IEC 61851-1 Annex A sequences on the simulated board and simulated time: the connector runtime (pilot
// interpreter + connector machine) as main.ts wires it, the sim EV on the far end of the CP line.
// Asserts driven outputs (contactor command, CP), physics (contacts, lock, energy) and the OCPP statuses
// and session events (REFERENCE.md 1.3, 1.4; DESIGN.md "The safety path"). Faults: iec-faults.test.ts.

import { afterEach, describe, expect, it } from 'vitest';
import { createRig, type Rig } from '../helpers/rig.js';
import { charging, cpSince, plugIn, suspendedEv, watch } from '../helpers/timeline.js';

let rig: Rig;
afterEach(() => rig?.stop());

const sessionEvents = (r: Rig) =>
  r.events.filter((e) => e.type === 'SessionStarted' || e.type === 'SessionStopped' || e.type === 'AuthorizationExpired');
const contactor = (r: Rig) => ({ cmd: r.c().context.contactorCmd, hal: r.hal.connectors[0]!.contactor.commandedClosed });

describe('a whole session: plug, authorize, charge, pause, resume, unplug', () => {
  it('closes only after debounced C with the diode seen, charges at 53.3 %, and ends EVDisconnected', async () => {
    // GIVEN an idle connector and a 32 A EV
    rig = createRig();
    const t = watch(rig);
    const b = rig.board();
    await rig.advance(100);
    // WHEN the EV is plugged in and the user authorizes
    await plugIn(rig);
    rig.c().authorize('04A1B2C3');
    await rig.advance(300);
    // THEN the cable is locked, PWM offers 32 A (53.3 %) and the diode was seen on a PWM sample
    expect(b.pilot.output).toEqual({ mode: 'pwm', dutyPercent: 53.3 });
    expect(b.physical.locked).toBe(true);
    expect(t.samples.some((s) => s.sample.diodeOk === true && s.sample.state === 'B')).toBe(true);
    expect(rig.c().context.diodeVerified).toBe(true);
    expect(contactor(rig)).toEqual({ cmd: false, hal: false });

    // WHEN the EV closes S2 (C): THEN nothing closes before requestDebounce (500 ms), then it closes
    b.request('charge');
    const requestedAt = rig.clock.now();
    await rig.advance(499, 1);
    expect(contactor(rig)).toEqual({ cmd: false, hal: false });
    await rig.advance(1, 1);
    expect(contactor(rig)).toEqual({ cmd: true, hal: true });
    expect(t.contactor).toEqual([{ at: requestedAt + 500, closed: true }]);
    await rig.advance(100);
    expect(b.physical.contactsClosed).toBe(true);
    expect(rig.c().status).toBe('Charging');

    // AND energy rises while charging (sim physics and the polled meter register)
    const e0 = b.physical.energyWh;
    const m0 = rig.c().poller.last!.energyImportWh;
    await rig.advance(10_000);
    expect(b.physical.energyWh).toBeGreaterThan(e0 + 50); // ~21 kW for 10 s = ~58 Wh
    expect(rig.c().poller.last!.energyImportWh).toBeGreaterThan(m0);

    // WHEN the EV pauses (C->B) and resumes
    b.request('pause');
    expect(contactor(rig)).toEqual({ cmd: false, hal: false });
    await rig.advance(1000);
    const paused = b.physical.energyWh;
    expect(b.physical.contactsClosed).toBe(false);
    await rig.advance(1000);
    expect(b.physical.energyWh).toBe(paused);
    b.request('charge');
    await rig.advance(499, 1);
    expect(contactor(rig).cmd).toBe(false);
    await rig.advance(101);
    expect(contactor(rig)).toEqual({ cmd: true, hal: true });

    // WHEN the EV is unplugged while charging
    b.unplug();
    // THEN the contactor opens in the same call, the session stops EVDisconnected and the lock releases
    expect(contactor(rig)).toEqual({ cmd: false, hal: false });
    await rig.advance(300);
    expect(b.physical).toMatchObject({ contactsClosed: false, locked: false });
    expect(b.pilot.output).toEqual({ mode: 'steady' });
    expect(rig.statuses()).toEqual(['Available', 'Preparing', 'SuspendedEV', 'Charging', 'SuspendedEV', 'Charging', 'Available']);
    expect(sessionEvents(rig).map((e) => ({ ...e, connector: undefined }))).toEqual([
      { type: 'SessionStarted', idTag: '04A1B2C3', connector: undefined },
      { type: 'SessionStopped', idTag: '04A1B2C3', reason: 'EVDisconnected', connector: undefined },
    ]);
  });
});

describe('authorization before the cable', () => {
  it('shows Preparing and starts the session on plug-in', async () => {
    // GIVEN an idle connector WHEN a user authorizes first
    rig = createRig();
    await rig.advance(100);
    rig.c().authorize('CAFE01');
    await rig.advance(100);
    // THEN Preparing, no session yet, no PWM
    expect(rig.c().status).toBe('Preparing');
    expect(sessionEvents(rig)).toEqual([]);
    expect(rig.board().pilot.output).toEqual({ mode: 'steady' });
    // WHEN the EV is plugged in THEN the session starts, PWM comes, and it charges on request
    await plugIn(rig);
    expect(sessionEvents(rig).map((e) => e.type)).toEqual(['SessionStarted']);
    await rig.advance(200);
    expect(rig.board().pilot.output).toEqual({ mode: 'pwm', dutyPercent: 53.3 });
    rig.board().request('charge');
    await rig.advance(600);
    expect(rig.c().status).toBe('Charging');
  });

  it('lets the authorization expire after connectionTimeoutMs when no cable comes', async () => {
    // GIVEN a 60 s connection timeout WHEN a user authorizes and never plugs in
    rig = createRig({ settings: { connectionTimeoutMs: 60_000 } });
    await rig.advance(100);
    rig.c().authorize('CAFE01');
    // THEN it is still Preparing just before the timeout, and Available with AuthorizationExpired at it
    await rig.advance(59_900);
    expect(rig.c().status).toBe('Preparing');
    await rig.advance(100);
    expect(rig.c().status).toBe('Available');
    expect(sessionEvents(rig)).toEqual([{ type: 'AuthorizationExpired', idTag: 'CAFE01', connector: 1 }]);
    // AND a later plug-in does not start a session
    await plugIn(rig);
    await rig.advance(1000);
    expect(rig.c().status).toBe('Preparing');
    expect(rig.board().pilot.output).toEqual({ mode: 'steady' });
  });
});

describe('opening is never delayed (seq. 8.1, unplug)', () => {
  it.each([
    ['C->B (EV pauses)', (r: Rig) => r.board().request('pause')],
    ['C->A (unplug)', (r: Rig) => r.board().unplug()],
  ])('%s opens the contactor inside the call that delivered the sample', async (_name, act) => {
    // GIVEN a charging session
    rig = createRig();
    await charging(rig);
    const b = rig.board();
    let inCall = false;
    const opens: Array<{ inCall: boolean; at: number }> = [];
    b.contactor.onOpenCommand = () => opens.push({ inCall, at: rig.clock.now() });
    const before = rig.clock.now();
    // WHEN the EV side changes
    inCall = true;
    act(rig);
    inCall = false;
    // THEN the open command ran during that call, with no simulated time passing
    expect(opens).toEqual([{ inCall: true, at: before }]);
    expect(contactor(rig)).toEqual({ cmd: false, hal: false });
  });
});

describe('C1: PWM off while the EV stays in C (seq. 10.2, power off under load after 6 s)', () => {
  it.each([
    ['the limit drops below 6 A', (r: Rig) => r.c().setCurrentLimit(4), 'SuspendedEVSE'],
    ['the session is stopped Local', (r: Rig) => r.c().stopSession('Local'), 'Finishing'],
  ])('when %s: CP steady at once, contactor held until 6 s', async (_name, act, finalStatus) => {
    // GIVEN an EV that keeps S2 closed when PWM stops, charging
    rig = createRig();
    await charging(rig);
    rig.board().configureEv({ opensS2OnPwmOff: false });
    await rig.advance(6000); // past the 5 s PWM rate hold of the start
    const t = watch(rig);
    const from = rig.clock.now();
    // WHEN PWM has to stop
    act(rig);
    // THEN the CP goes to steady +12 V at once, the contactor stays closed
    expect(rig.board().pilot.output).toEqual({ mode: 'steady' });
    expect(contactor(rig)).toEqual({ cmd: true, hal: true });
    await rig.advance(3000, 10);
    rig.c().setCurrentLimit(5); // an unrelated input change meanwhile must not cut the grace short
    await rig.advance(2900, 10);
    expect(rig.c().context.pilot).toBe('C');
    expect(contactor(rig)).toEqual({ cmd: true, hal: true });
    // AND it opens under load at exactly 6 s
    await rig.advance(100, 10);
    expect(contactor(rig)).toEqual({ cmd: false, hal: false });
    expect(t.contactor).toEqual([{ at: from + 6000, closed: false }]);
    expect(rig.c().status).toBe(finalStatus);
  });

  it('with a well-behaved EV opens as soon as the EV goes to B', async () => {
    // GIVEN a charging EV that opens S2 when PWM stops (50 ms reaction)
    rig = createRig();
    await charging(rig);
    const t = watch(rig);
    const from = rig.clock.now();
    // WHEN the session is stopped locally
    rig.c().stopSession('Local');
    // THEN the contactor opens when B arrives (after the EV reacts), not after 6 s
    expect(contactor(rig).cmd).toBe(true);
    await rig.advance(100, 10);
    expect(contactor(rig)).toEqual({ cmd: false, hal: false });
    expect(t.contactor).toEqual([{ at: from + 50, closed: false }]);
    expect(rig.c().status).toBe('Finishing');
    expect(rig.events.find((e) => e.type === 'SessionStopped')).toMatchObject({ reason: 'Local' });
  });

  it('a DeAuthorized stop opens at once even when the EV stays in C', async () => {
    // GIVEN a charging EV that stays in C
    rig = createRig();
    await charging(rig);
    rig.board().configureEv({ opensS2OnPwmOff: false });
    // WHEN the CSMS de-authorizes THEN the contactor opens in the same call
    rig.c().stopSession('DeAuthorized');
    expect(contactor(rig)).toEqual({ cmd: false, hal: false });
    expect(rig.board().pilot.output).toEqual({ mode: 'steady' });
    expect(rig.events.find((e) => e.type === 'SessionStopped')).toMatchObject({ reason: 'DeAuthorized' });
  });
});

describe('a new authorization right after a stop', () => {
  it('offers PWM again even though the released cable lock had not finished moving', async () => {
    // GIVEN a session stopped locally, its cable unlock commanded but still travelling (100 ms)
    rig = createRig();
    await charging(rig);
    rig.c().stopSession('Local');
    await rig.advance(100, 10);
    expect(rig.board().lock!.commandedLocked).toBe(false);
    expect(rig.board().physical.locked).toBe(true);
    // WHEN a user authorizes again and the EV asks for power
    rig.c().authorize('CAFE01');
    await rig.advance(1000);
    rig.board().request('charge');
    await rig.advance(2000);
    // THEN the new session has PWM and charges
    expect(sessionEvents(rig).map((e) => e.type)).toEqual(['SessionStarted', 'SessionStopped', 'SessionStarted']);
    expect(rig.board().pilot.output).toEqual({ mode: 'pwm', dutyPercent: 53.3 });
    expect(rig.c().status).toBe('Charging');
  });
});

describe('PWM updates at most every 5 s', () => {
  it('applies the first change at once and the latest later one 5 s after it', async () => {
    // GIVEN a session charging at 32 A for more than 5 s
    rig = createRig();
    await charging(rig);
    await rig.advance(6000);
    const t = watch(rig);
    const from = rig.clock.now();
    // WHEN the limit changes three times, 1 s apart
    rig.c().setCurrentLimit(16);
    await rig.advance(1000);
    rig.c().setCurrentLimit(10);
    await rig.advance(1000);
    rig.c().setCurrentLimit(20);
    // THEN 16 A (26.7 %) is applied at once; 20 A (33.3 %) only at 5 s; 10 A never
    await rig.advance(2990, 10);
    expect(rig.board().pilot.output).toEqual({ mode: 'pwm', dutyPercent: 26.7 });
    await rig.advance(10, 10);
    expect(cpSince(t, from)).toEqual([
      { dt: 0, mode: 'pwm', duty: 26.7 },
      { dt: 5000, mode: 'pwm', duty: 33.3 },
    ]);
    expect(rig.c().status).toBe('Charging');
  });
});

describe('offered current below 6 A', () => {
  it('offers no PWM and reports SuspendedEVSE', async () => {
    // GIVEN a 5 A limit WHEN an EV plugs in, is authorized and asks for power
    rig = createRig();
    rig.c().setCurrentLimit(5);
    await plugIn(rig);
    rig.c().authorize('04A1B2C3');
    await rig.advance(300);
    rig.board().request('charge');
    await rig.advance(2000);
    // THEN the CP stays steady, the EV stays in B and the contactor open
    expect(rig.board().pilot.output).toEqual({ mode: 'steady' });
    expect(rig.c().context.pilot).toBe('B');
    expect(contactor(rig)).toEqual({ cmd: false, hal: false });
    expect(rig.c().status).toBe('SuspendedEVSE');
    // AND raising it to 6 A starts PWM at 10 % and charging
    rig.c().setCurrentLimit(6);
    await rig.advance(700);
    expect(rig.board().pilot.output).toEqual({ mode: 'pwm', dutyPercent: 10 });
    expect(rig.c().status).toBe('Charging');
  });
});

describe('wake-up of a sleeping EV (REFERENCE.md 1.4)', () => {
  it('after 30 s in B with PWM: F 4 s, X1 750 ms, PWM again; charging starts; once per session', async () => {
    // GIVEN a sleeping EV, plugged and authorized, that asks for power
    rig = createRig();
    rig.board().configureEv({ asleep: true });
    const t = watch(rig);
    await suspendedEv(rig);
    rig.board().request('charge');
    const pwmOn = t.cp.find((e) => e.output.mode === 'pwm')!.at;
    // WHEN 30 s pass in B THEN it is still in B with PWM just before
    await rig.advance(pwmOn + 29_990 - rig.clock.now(), 10);
    expect(rig.c().context.pilot).toBe('B');
    expect(rig.c().status).toBe('SuspendedEV');
    await rig.advance(6000, 10);
    // THEN F (negative) at 30 s, steady at 34 s, PWM at 34.75 s; the EV wakes and the contactor closes
    expect(cpSince(t, pwmOn)).toEqual([
      { dt: 0, mode: 'pwm', duty: 53.3 },
      { dt: 30_000, mode: 'negative' },
      { dt: 34_000, mode: 'steady' },
      { dt: 34_750, mode: 'pwm', duty: 53.3 },
    ]);
    expect(rig.c().status).toBe('Charging');
    expect(t.contactor).toEqual([{ at: pwmOn + 34_750 + 50 + 500, closed: true }]);
    expect(rig.statuses().filter((s) => s === 'Faulted')).toEqual([]);
    // WHEN the EV pauses for more than 30 s in the same session THEN no second wake-up
    rig.board().request('pause');
    await rig.advance(40_000);
    expect(t.cp.filter((e) => e.output.mode === 'negative')).toHaveLength(1);
    expect(rig.board().pilot.output).toEqual({ mode: 'pwm', dutyPercent: 53.3 });
  });
});
