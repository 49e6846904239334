// GIVEN card UIDs and a configured auth.uidFormat WHEN they become idTags THEN every format gives the documented
// string (concrete vectors), stays within CiString20, and card taps through the controller use the format.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimHal, ManualClock } from '../../../../hal/sim/index.js';
import { UID_FORMATS, uidToIdTag, type UidFormat } from '../../../../src/auth/id-tag.js';
import { validateConfig } from '../../../../src/config/load.js';
import { Controller } from '../../../../src/controller.js';
import { silentLogger } from '../../../../src/log.js';
import { openDb, type Db } from '../../../../src/store/db.js';
import { Settings } from '../../../../src/store/settings.js';

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

describe('UID formats', () => {
  it.each<[string, UidFormat, string]>([
    ['04A1B2C3', 'hex', '04A1B2C3'],
    ['04A1B2C3', 'hex-reversed', 'C3B2A104'],
    ['04A1B2C3', 'decimal', '0077705923'], // 0x04A1B2C3, padded to 10 digits
    ['04A1B2C3', 'decimal-reversed', '3283263748'], // 0xC3B2A104
    ['00000001', 'decimal', '0000000001'],
    ['00000001', 'decimal-reversed', '0016777216'], // 0x01000000
    ['FFFFFFFE', 'decimal', '4294967294'],
    ['04112233445566', 'hex', '04112233445566'],
    ['04112233445566', 'hex-reversed', '66554433221104'],
    ['04112233445566', 'decimal', '01144738493519206'], // 0x04112233445566, padded to 17 digits
    ['04112233445566', 'decimal-reversed', '28804199028494596'], // 0x66554433221104
    ['0411223344556677889A', 'hex', '0411223344556677889A'],
    ['0411223344556677889A', 'hex-reversed', '9A887766554433221104'],
  ])('GIVEN UID %s WHEN formatted as %s THEN the idTag is %s', (uid, format, idTag) => {
    expect(uidToIdTag(bytes(uid), format)).toEqual({ ok: true, idTag });
  });

  it('GIVEN no format THEN hex (OCPP 1.6 3.9: byte 0 first) is used', () => {
    expect(uidToIdTag(bytes('04a1b2c3'))).toEqual({ ok: true, idTag: '04A1B2C3' });
  });

  it.each(['decimal', 'decimal-reversed'] as const)('GIVEN a 10-byte UID WHEN formatted as %s THEN it is refused: 25 digits exceed an idTag', (format) => {
    const r = uidToIdTag(bytes('0411223344556677889A'), format);
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/10-byte UID is 25 characters as decimal.*idTag holds 20/) });
  });

  it.each(UID_FORMATS)('GIVEN the largest 4- and 7-byte UIDs WHEN formatted as %s THEN the idTag fits CiString20', (format) => {
    for (const uid of [bytes('FFFFFFFE'), bytes('FEFFFFFFFFFFFF')]) {
      const r = uidToIdTag(uid, format);
      expect(r.ok && r.idTag.length).toBeGreaterThan(0);
      if (r.ok) expect(r.idTag.length).toBeLessThanOrEqual(20);
    }
  });

  it.each(UID_FORMATS)('GIVEN an incomplete (cascade tag) UID WHEN formatted as %s THEN it is refused before formatting', (format) => {
    expect(uidToIdTag(bytes('88010203'), format)).toEqual({ ok: false, error: expect.stringMatching(/cascade tag 0x88/) });
  });

  it('GIVEN a UID WHEN formatted THEN the caller\'s bytes are left untouched', () => {
    const uid = bytes('04A1B2C3');
    uidToIdTag(uid, 'hex-reversed');
    expect(Buffer.from(uid).toString('hex')).toBe('04a1b2c3');
  });
});

describe('card taps use auth.uidFormat', () => {
  const dirs: string[] = [];
  const dbs: Db[] = [];
  afterEach(() => {
    for (const db of dbs.splice(0)) db.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function setup(auth: object) {
    const dir = mkdtempSync(join(tmpdir(), 'evse-uidfmt-'));
    dirs.push(dir);
    const config = validateConfig({ auth });
    const clock = new ManualClock();
    const hal = createSimHal({ connectors: 1 }, clock);
    const db = openDb(dir);
    dbs.push(db);
    const ctl = new Controller(config, { hal, clock, log: silentLogger(), db, settings: new Settings(db), policy: null });
    ctl.start();
    const tap = async (hex: string): Promise<void> => {
      hal.control.rfid.present(bytes(hex));
      for (let i = 0; i < 5; i++) await Promise.resolve(); // authorization is asynchronous
    };
    return { ctl, tap };
  }

  it('GIVEN uidFormat decimal-reversed and the allow-list in that format WHEN card 04A1B2C3 is tapped THEN it authorizes as "3283263748"', async () => {
    const { ctl, tap } = setup({ uidFormat: 'decimal-reversed', allowList: ['3283263748'] });
    await tap('04A1B2C3');
    expect(ctl.connector(1)!.context.session).toBe('authorized'); // no cable yet
    expect(ctl.connector(1)!.context.idTag).toBe('3283263748');
    ctl.stop();
  });

  it('GIVEN uidFormat hex-reversed and an allow-list written in plain hex WHEN the card is tapped THEN it is refused', async () => {
    const { ctl, tap } = setup({ uidFormat: 'hex-reversed', allowList: ['04A1B2C3'] });
    await tap('04A1B2C3');
    expect(ctl.connector(1)!.context.session).toBe('none');
    ctl.stop();
  });
});
