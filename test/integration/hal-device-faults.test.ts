// Device faults reported by drivers (hal/types.ts DeviceFaultEvent): the real Pi drivers catch a failed
// GPIO/sysfs write and only emit 'contactor-io' / 'pilot-io' / 'lock-io' / 'rfid-io' on the device's fault
// stream; nothing throws. These are injected on the simulated devices' own fault streams (the same Subjects
// a driver emits on) and followed through the composed controller: the registry, the connector machine,
// the local API (GET /api/status over HTTP) and OCPP StatusNotification to a strict loopback CSMS.
//
// Existing fault rule (fault-matrix, iec-faults): a blocking fault opens the contactor and shows Faulted but
// does not end the session; the transaction stays open until the EV leaves or the session is stopped.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../hal/clock.js';
import { createSimHal, ManualClock, type SimHal } from '../../hal/sim/index.js';
import { startApi } from '../../src/api/server.js';
import { validateConfig } from '../../src/config/load.js';
import { Controller } from '../../src/controller.js';
import { silentLogger } from '../../src/log.js';
import { OcppConfiguration } from '../../src/ocpp/config-keys.js';
import { OcppService } from '../../src/ocpp/service.js';
import { openDb } from '../../src/store/db.js';
import { Settings } from '../../src/store/settings.js';
import { startCsms } from '../helpers/csms.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'evse-devfault-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The controller on the simulated board and simulated time, free vend, with its local API on port 0. */
async function standalone() {
  const config = validateConfig({ connectors: [{ id: 1 }], auth: { mode: 'free-vend' }, api: { host: '127.0.0.1', port: 0 } });
  const clock = new ManualClock();
  const hal = createSimHal({ connectors: 1 }, clock);
  const db = openDb(tempDir());
  const ctl = new Controller(config, { hal, clock, log: silentLogger(), db, settings: new Settings(db), policy: null });
  ctl.start();
  const api = await startApi({ host: '127.0.0.1', port: 0, controller: ctl, sim: hal.control, log: silentLogger() });
  cleanups.push(() => void db.close());
  cleanups.push(() => ctl.stop());
  cleanups.push(() => new Promise<void>((resolve) => api.server.close(() => resolve())));
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 50) {
      clock.advance(50);
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
  };
  const status = async () => (await (await fetch(`http://127.0.0.1:${api.port}/api/status`)).json()) as any;
  return { ctl, hal, board: hal.control.connector(1), advance, status };
}

async function chargingNow(s: Awaited<ReturnType<typeof standalone>>): Promise<void> {
  s.board.plug();
  await s.advance(500);
  s.board.request('charge');
  await s.advance(1000);
  expect(s.ctl.connector(1)!.status).toBe('Charging');
  expect(s.board.physical.contactsClosed).toBe(true);
}

describe('a driver reports an output I/O fault while charging (no exception reaches the controller)', () => {
  it.each([
    ['contactor', 'contactor-io', 'PowerSwitchFailure'],
    ['pilot', 'pilot-io', 'InternalError'],
  ] as const)('%s: %s -> contactor opens, Faulted (%s), listed in GET /api/status, session kept until unplug, latched until restart', async (device, fault, code) => {
    // GIVEN a session charging
    const s = await standalone();
    await chargingNow(s);
    const txId = s.ctl.transactions.current(1)!.localId;
    // WHEN the driver reports a failed write
    const stream = device === 'contactor' ? s.board.contactor.faults : s.board.pilot.faults;
    (stream as { emit(e: { fault: string; active: boolean; detail?: string }): void }).emit({ fault, active: true, detail: 'write /sys/class/gpio/gpio17/value: EIO' });
    // THEN the contactor is commanded open in the same call and the contacts part
    expect(s.board.contactor.commandedClosed).toBe(false);
    await s.advance(500);
    expect(s.board.physical.contactsClosed).toBe(false);
    expect(s.board.physical.currentA).toBe(0);
    // AND the API shows it: Faulted with the errorCode, the fault in the connector's list, contactor open
    const view = (await s.status()).connectors[0];
    expect(view).toMatchObject({ status: 'Faulted', errorCode: code, contactorClosed: false });
    expect(view.faults).toEqual([{ name: fault, blocking: true, errorCode: code, info: expect.any(String), detail: 'write /sys/class/gpio/gpio17/value: EIO' }]);
    // AND the session is not ended by the fault (existing rule): the transaction is still open
    expect(view.transaction).toMatchObject({ id: txId });
    // AND the watchdog health is bad: only a restart clears it
    expect(s.ctl.healthy()).toMatchObject({ ok: false });
    expect(s.ctl.healthy().reason).toContain(`connector 1: ${view.faults[0].info}`);
    // WHEN the driver reports the output works again THEN the fault stays and nothing closes
    (stream as { emit(e: { fault: string; active: boolean }): void }).emit({ fault, active: false });
    await s.advance(10_000);
    expect(s.ctl.connector(1)!.status).toBe('Faulted');
    expect(s.board.contactor.closeCommands).toBe(1);
    // WHEN the EV is unplugged THEN the session ends EVDisconnected; the connector stays Faulted
    s.board.unplug();
    await s.advance(1000);
    expect(s.ctl.transactions.store.latest(1)[0]).toMatchObject({ localId: txId, stopReason: 'EVDisconnected' });
    expect((await s.status()).connectors[0]).toMatchObject({ status: 'Faulted', transaction: null });
  });

  it('lock: lock-io -> Faulted (ConnectorLockFailure) while active; cleared when the driver recovers', async () => {
    const s = await standalone();
    await chargingNow(s);
    s.board.lock!.faults.emit({ fault: 'lock-io', active: true, detail: 'motor: EIO' });
    expect(s.board.contactor.commandedClosed).toBe(false);
    expect((await s.status()).connectors[0]).toMatchObject({ status: 'Faulted', errorCode: 'ConnectorLockFailure' });
    s.board.lock!.faults.emit({ fault: 'lock-io', active: false });
    await s.advance(2000);
    expect((await s.status()).connectors[0]).toMatchObject({ status: 'Charging', errorCode: 'NoError', faults: [] });
  });
});

describe('the shared RFID reader reports rfid-io', () => {
  it('GIVEN a session charging WHEN the reader fails THEN a charge-point warning (ReaderFailure) is listed and charging goes on; cleared on recovery', async () => {
    const s = await standalone();
    await chargingNow(s);
    s.hal.control.rfid.faults.emit({ fault: 'rfid-io', active: true, detail: 'SPI read: EIO' });
    const body = await s.status();
    expect(body.faults).toEqual([{ name: 'rfid-reader', blocking: false, errorCode: 'ReaderFailure', info: expect.any(String), detail: 'SPI read: EIO' }]);
    expect(body.connectors[0]).toMatchObject({ status: 'Charging', errorCode: 'NoError', faults: [], contactorClosed: true });
    expect(s.ctl.report(0)).toMatchObject({ status: 'Available', errorCode: 'ReaderFailure' });
    expect(s.ctl.healthy()).toEqual({ ok: true });
    s.hal.control.rfid.faults.emit({ fault: 'rfid-io', active: false });
    expect((await s.status()).faults).toEqual([]);
    expect(s.ctl.report(0)).toMatchObject({ status: 'Available', errorCode: 'NoError' });
  });
});

describe('OCPP: device faults in StatusNotification (strict loopback CSMS)', () => {
  async function online() {
    const csms = await startCsms();
    cleanups.push(() => csms.close());
    const config = validateConfig({
      connectors: [{ id: 1 }],
      auth: { allowList: ['04A1B2C3'] },
      api: { host: '127.0.0.1', port: 0 },
      ocpp: { url: csms.url, securityProfile: 0, pingIntervalS: 5 },
    });
    const db = openDb(tempDir());
    const settings = new Settings(db);
    const keys = new OcppConfiguration(settings, { numberOfConnectors: 1 });
    const hal: SimHal = createSimHal({ connectors: 1 }, systemClock);
    const ctl = new Controller(config, { hal, clock: systemClock, log: silentLogger(), db, settings, policy: null });
    const ocpp = new OcppService(config.ocpp!, keys, { controller: ctl, settings, clock: systemClock, log: silentLogger() }, config.identity, config.chargePointId);
    ctl.start();
    ocpp.start();
    cleanups.push(() => void db.close());
    cleanups.push(() => ctl.stop());
    cleanups.push(() => ocpp.stop());
    await csms.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available');
    return { csms, hal, ctl };
  }

  it('GIVEN accepted WHEN the reader reports rfid-io THEN connector 0 is Available with ReaderFailure, NoError again on recovery', async () => {
    const { csms, hal } = await online();
    const mark = csms.received.length;
    hal.control.rfid.faults.emit({ fault: 'rfid-io', active: true, detail: 'SPI read: EIO' });
    const failed = await csms.waitFor('StatusNotification', (p) => p.connectorId === 0, 5000, mark);
    expect(failed.params).toMatchObject({ connectorId: 0, status: 'Available', errorCode: 'ReaderFailure' });
    expect(csms.since(mark, 'StatusNotification').filter((r) => r.params.connectorId === 1)).toEqual([]);
    const back = csms.received.length;
    hal.control.rfid.faults.emit({ fault: 'rfid-io', active: false });
    const ok = await csms.waitFor('StatusNotification', (p) => p.connectorId === 0, 5000, back);
    expect(ok.params).toMatchObject({ connectorId: 0, status: 'Available', errorCode: 'NoError' });
    expect(csms.validationFailures).toEqual([]);
  }, 20_000);

  it('GIVEN accepted WHEN the contactor driver reports contactor-io THEN connector 1 is Faulted with PowerSwitchFailure / CONTACTOR_IO', async () => {
    const { csms, hal } = await online();
    const mark = csms.received.length;
    hal.control.connector(1).contactor.faults.emit({ fault: 'contactor-io', active: true, detail: 'coil: EIO' });
    const r = await csms.waitFor('StatusNotification', (p) => p.connectorId === 1, 5000, mark);
    expect(r.params).toMatchObject({ connectorId: 1, status: 'Faulted', errorCode: 'PowerSwitchFailure', vendorErrorCode: 'CONTACTOR_IO' });
    expect(r.params.info).toBe('Contactor I/O failed: restart required: coil: EIO');
    expect(csms.validationFailures).toEqual([]);
  }, 20_000);
});
