// GIVEN the connector runtime on the simulated board WHEN a HAL output throws, or a driver reports a device
// fault on its fault stream THEN the machine keeps running, the contactor is commanded open and a blocking
// fault is raised; and an immediate stop (shutdown) opens before anyone is told the session ended.

import { describe, expect, it } from 'vitest';
import { createRig } from '../../../helpers/rig.js';
import { charging } from '../../../helpers/timeline.js';

describe('connector runtime: HAL output failures', () => {
  it('GIVEN a pilot driver that fails to start PWM WHEN a session starts THEN hal-output is raised, status Faulted, contactor open', async () => {
    const rig = createRig();
    const b = rig.board();
    const real = b.pilot.setOutput.bind(b.pilot);
    b.pilot.setOutput = (out) => {
      if (out.mode === 'pwm') throw new Error('sysfs write failed: EIO');
      real(out);
    };
    b.plug();
    await rig.advance(500);
    rig.c().authorize('04A1B2C3');
    await rig.advance(500);
    expect(rig.faults.list(1).map((f) => [f.name, f.errorCode])).toEqual([['hal-output', 'InternalError']]);
    expect(rig.c().status).toBe('Faulted');
    expect(b.contactor.commandedClosed).toBe(false);
    expect(rig.c().machine.getSnapshot().status).toBe('active');
    b.unplug();
    await rig.advance(500);
    expect(rig.c().context.pilot).toBe('A'); // still interpreting events
    rig.stop();
  });
});

// Real drivers catch their I/O errors and only report them on the device's fault stream (hal/types.ts
// DeviceFaultEvent); the sim devices expose the same streams as Subjects, so tests emit on them.
describe('connector runtime: device fault streams (drivers that report instead of throwing)', () => {
  const faultsOf = (rig: ReturnType<typeof createRig>) => rig.faults.list(1).map((f) => [f.name, f.errorCode, f.blocking]);

  it.each([
    ['pilot', 'pilot-io', 'pilot-io', 'InternalError'],
    ['contactor', 'contactor-io', 'contactor-io', 'PowerSwitchFailure'],
    ['lock', 'lock-io', 'lock-io', 'ConnectorLockFailure'],
    ['rcm', 'rcm-self-test-failed', 'rcm-self-test', 'InternalError'],
  ] as const)('GIVEN a charging session WHEN the %s reports %s THEN %s (%s) blocks: contactor open, Faulted, session kept', async (device, fault, name, code) => {
    const rig = createRig();
    await charging(rig);
    const b = rig.board();
    const stream = { pilot: b.pilot.faults, contactor: b.contactor.faults, lock: b.lock!.faults, rcm: b.rcm.faults }[device];
    (stream as { emit(e: { fault: string; active: boolean; detail?: string }): void }).emit({ fault, active: true, detail: 'write: EIO' });
    // THEN in the same call: open commanded, Faulted, the fault with its detail
    expect(b.contactor.commandedClosed).toBe(false);
    expect(rig.c().status).toBe('Faulted');
    expect(faultsOf(rig)).toEqual([[name, code, true]]);
    expect(rig.faults.list(1)[0]!.detail).toBe('write: EIO');
    await rig.advance(1000);
    expect(b.physical.contactsClosed).toBe(false);
    expect(rig.c().context.session).toBe('active');
    expect(rig.events.filter((e) => e.type === 'SessionStopped')).toEqual([]);
    rig.stop();
  });

  it.each([
    ['contactor', 'contactor-io'],
    ['pilot', 'pilot-io'],
  ] as const)('GIVEN %s I/O failed WHEN the driver reports it works again THEN the fault stays (an output may be anywhere: restart)', async (device, fault) => {
    const rig = createRig();
    await charging(rig);
    const stream = device === 'pilot' ? rig.board().pilot.faults : rig.board().contactor.faults;
    (stream as { emit(e: { fault: string; active: boolean }): void }).emit({ fault, active: true });
    (stream as { emit(e: { fault: string; active: boolean }): void }).emit({ fault, active: false });
    await rig.advance(10_000);
    expect(rig.faults.list(1).map((f) => f.name)).toEqual([fault]);
    expect(rig.c().status).toBe('Faulted');
    expect(rig.board().contactor.closeCommands).toBe(1);
    rig.stop();
  });

  it.each([
    ['lock', 'lock-io', 'lock-io'],
    ['rcm', 'rcm-self-test-failed', 'rcm-self-test'],
  ] as const)('GIVEN the %s reported %s WHEN it reports recovery THEN %s clears and charging resumes', async (device, fault, name) => {
    const rig = createRig();
    await charging(rig);
    const b = rig.board();
    const stream = (device === 'lock' ? b.lock!.faults : b.rcm.faults) as { emit(e: { fault: string; active: boolean }): void };
    stream.emit({ fault, active: true });
    expect(rig.faults.has(1, name)).toBe(true);
    await rig.advance(1000);
    stream.emit({ fault, active: false });
    await rig.advance(3000);
    expect(rig.faults.list(1)).toEqual([]);
    expect(rig.c().status).toBe('Charging');
    expect(b.physical.contactsClosed).toBe(true);
    rig.stop();
  });

  it('GIVEN the contactor commanded open WHEN the driver reports that open write failed THEN the open is commanded again', async () => {
    const rig = createRig();
    await charging(rig);
    const b = rig.board();
    b.request('pause');
    await rig.advance(500);
    expect(b.contactor.commandedClosed).toBe(false);
    const opens = b.contactor.openCommands;
    b.contactor.faults.emit({ fault: 'contactor-io', active: true, detail: 'coil: EIO' });
    expect(b.contactor.openCommands).toBe(opens + 1);
    expect(rig.c().status).toBe('Faulted');
    rig.stop();
  });

  it('GIVEN the runtime stopped WHEN a device fault arrives THEN nothing is raised (unsubscribed)', async () => {
    const rig = createRig();
    await rig.advance(100);
    rig.stop();
    rig.board().contactor.faults.emit({ fault: 'contactor-io', active: true });
    expect(rig.faults.list(1)).toEqual([]);
  });
});

describe('connector runtime: immediate stop whatever the reason (shutdown)', () => {
  /** A Kona-like EV: stays in C when PWM stops, so a graceful stop keeps the contactor closed up to 6 s. */
  async function konaCharging() {
    const rig = createRig();
    await charging(rig);
    rig.board().configureEv({ opensS2OnPwmOff: false });
    await rig.advance(6000);
    return rig;
  }

  it('GIVEN a Kona EV charging WHEN stopped with Reboot (graceful) THEN the contactor stays closed for the C1 grace', async () => {
    const rig = await konaCharging();
    rig.c().stopSession('Reboot');
    expect(rig.board().contactor.commandedClosed).toBe(true);
    expect(rig.events.filter((e) => e.type === 'SessionStopped').map((e) => (e as { reason: string }).reason)).toEqual(['Reboot']);
    rig.stop();
  });

  it('GIVEN a Kona EV charging WHEN stopped with Reboot, immediate THEN the contactor opens in the call, before SessionStopped is emitted', async () => {
    const rig = await konaCharging();
    const b = rig.board();
    let closedWhenNotified: boolean | null = null;
    rig.c().onEvent((e) => {
      if (e.type === 'SessionStopped') closedWhenNotified = b.contactor.commandedClosed;
    });
    rig.c().stopSession('Reboot', true);
    expect(b.contactor.commandedClosed).toBe(false);
    expect(b.pilot.output).toEqual({ mode: 'steady' });
    expect(closedWhenNotified).toBe(false);
    expect(rig.events.filter((e) => e.type === 'SessionStopped').map((e) => (e as { reason: string }).reason)).toEqual(['Reboot']);
    rig.stop();
  });

  it('GIVEN a Local stop whose C1 grace still holds the contactor WHEN an immediate stop follows THEN it opens at once', async () => {
    const rig = await konaCharging();
    rig.c().stopSession('Local');
    expect(rig.board().contactor.commandedClosed).toBe(true);
    rig.c().stopSession('Reboot', true);
    expect(rig.board().contactor.commandedClosed).toBe(false);
    rig.stop();
  });
});
