// The estimating "meter" for a connector without one (hal/rpi/estimated-meter.ts): the offered current read
// from the PWM duty as an EV reads it (REFERENCE.md 1.2, IEC 61851-1 Table A.8), power only while the
// contactor is commanded closed, the register integrated on a ManualClock and kept in a state file across
// restarts (a corrupt file starts at 0, a failed write rejects the read with a HalError), plus the shared
// EnergyMeter contract.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HalError } from '../../../hal/errors.js';
import { EstimatedMeter, offeredAmps, type EstimatedMeterSource } from '../../../hal/rpi/estimated-meter.js';
import { ManualClock } from '../../../hal/sim/index.js';
import type { PilotOutput } from '../../../hal/types.js';
import { describeEnergyMeterContract } from '../../contracts/energy-meter.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'evse-estimated-'));
  dirs.push(d);
  return d;
}

/** What the connector shows the meter: contactor position and pilot output, changed by the test. */
function source(closed = false, output: PilotOutput = { mode: 'steady' }): EstimatedMeterSource & { set(c: boolean, o: PilotOutput): void } {
  let now = { closed, output };
  return {
    closed: () => now.closed,
    output: () => now.output,
    set: (c, o) => (now = { closed: c, output: o }),
  };
}

const pwm = (dutyPercent: number): PilotOutput => ({ mode: 'pwm', dutyPercent });
const SIXTY_S = 60_000;

describe('offeredAmps (duty -> current as the EV reads it)', () => {
  it.each<[number, number]>([
    [10, 6],
    [16.7, 10.02],
    [26.7, 16.02],
    [53.3, 31.98],
    [85, 51],
    [89.2, 63],
    [90, 65],
    [96, 80],
  ])('GIVEN PWM at %s %% WHEN converted THEN %s A is offered', (duty, amps) => {
    expect(offeredAmps(pwm(duty))).toBeCloseTo(amps, 6);
  });

  it.each([8, 9, 9.9])('GIVEN PWM at %s %% (8-10 %% band) WHEN converted THEN 6 A, never less', (duty) => {
    expect(offeredAmps(pwm(duty))).toBe(6);
  });

  it.each([96.5, 97])('GIVEN PWM at %s %% (96-97 %% band) WHEN converted THEN 80 A, never more', (duty) => {
    expect(offeredAmps(pwm(duty))).toBe(80);
  });

  it.each([0, 2.9, 5, 7.5, 7.99, 97.01, 99.9, 100, -1, Number.NaN])('GIVEN PWM at %s %% (no current defined) WHEN converted THEN 0 A', (duty) => {
    expect(offeredAmps(pwm(duty))).toBe(0);
  });

  it.each<PilotOutput>([{ mode: 'steady' }, { mode: 'negative' }, { mode: 'off' }])('GIVEN a $mode pilot WHEN converted THEN 0 A', (output) => {
    expect(offeredAmps(output)).toBe(0);
  });
});

describe('EstimatedMeter', () => {
  it('GIVEN an open contactor and PWM at 53.3 % WHEN time passes THEN 0 W, 0 A and the register stays', async () => {
    const clock = new ManualClock();
    const meter = new EstimatedMeter(3, source(false, pwm(53.3)), clock, null);
    const first = await meter.read();
    clock.advance(SIXTY_S);
    const second = await meter.read();
    expect(second).toMatchObject({ powerW: 0, currentA: { l1: 0, l2: 0, l3: 0 }, energyImportWh: first.energyImportWh, takenAt: clock.now() });
    expect(second.voltageV).toEqual({ l1: 230, l2: 230, l3: 230 });
  });

  it('GIVEN a closed contactor at 32 A on three phases WHEN 60 s pass THEN about 22 kW and 368 Wh', async () => {
    const clock = new ManualClock();
    const src = source();
    const meter = new EstimatedMeter(3, src, clock, null);
    expect((await meter.read()).energyImportWh).toBe(0);
    src.set(true, pwm(53.3));
    clock.advance(SIXTY_S);
    const r = await meter.read();
    const watts = 31.98 * 230 * 3; // 22,066 W
    expect(r.powerW).toBeCloseTo(watts, 3);
    for (const a of Object.values(r.currentA)) expect(a).toBeCloseTo(31.98, 6);
    expect(r.energyImportWh).toBeCloseTo(watts / 60, 2); // 60 s = 1/60 h: 367.8 Wh
    expect(meter.capabilities).toEqual({ phases: 3, model: 'estimated', serial: 'none' });
  });

  it('GIVEN a single-phase connector at 16 A WHEN 60 s pass THEN L1 only, a third of the three-phase figure per amp', async () => {
    const clock = new ManualClock();
    const meter = new EstimatedMeter(1, source(true, pwm(26.7)), clock, null);
    await meter.read();
    clock.advance(SIXTY_S);
    const r = await meter.read();
    expect(r.powerW).toBeCloseTo(16.02 * 230, 3);
    expect(r.currentA.l1).toBeCloseTo(16.02, 6);
    expect([r.currentA.l2, r.currentA.l3]).toEqual([0, 0]);
    expect(r.voltageV).toEqual({ l1: 230, l2: 0, l3: 0 });
    expect(r.energyImportWh).toBeCloseTo((16.02 * 230) / 60, 2);
  });

  it('GIVEN a register in the state file WHEN a new meter starts THEN it resumes from it and keeps counting into the same file', async () => {
    const file = join(tempDir(), 'estimated-meter-1.json');
    const clock = new ManualClock();
    const before = new EstimatedMeter(3, source(true, pwm(53.3)), clock, file);
    await before.read();
    clock.advance(SIXTY_S);
    const kept = (await before.read()).energyImportWh;
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ energyWh: expect.closeTo(kept, 3) });
    expect(readdirSync(join(file, '..'))).toEqual(['estimated-meter-1.json']); // written via temp file + rename
    const after = new EstimatedMeter(3, source(true, pwm(53.3)), clock, file);
    expect((await after.read()).energyImportWh).toBe(kept); // no time passed: nothing added by the restart
    clock.advance(SIXTY_S);
    expect((await after.read()).energyImportWh).toBeCloseTo(2 * kept, 2);
  });

  it.each([
    ['not JSON', '{"energyWh": 12'],
    ['a negative register', '{"energyWh": -5}'],
    ['a text register', '{"energyWh": "1234"}'],
    ['no register', '{}'],
    ['null', 'null'],
    ['empty', ''],
  ])('GIVEN a corrupt state file (%s) WHEN the meter starts THEN its register starts at 0', async (_what, text) => {
    const file = join(tempDir(), 'estimated-meter-1.json');
    writeFileSync(file, text);
    const meter = new EstimatedMeter(3, source(), new ManualClock(), file);
    expect((await meter.read()).energyImportWh).toBe(0);
  });

  it('GIVEN no state file WHEN the first read finds nothing flowing THEN the register is 0 and the file is created with it', async () => {
    const file = join(tempDir(), 'estimated-meter-2.json');
    const clock = new ManualClock();
    const meter = new EstimatedMeter(1, source(), clock, file);
    expect(existsSync(file)).toBe(false);
    clock.advance(SIXTY_S);
    expect((await meter.read()).energyImportWh).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ energyWh: 0 }); // an unwritable state dir shows at once
  });

  it('GIVEN a state file that cannot be written WHEN energy flowed THEN the read rejects with a HalError for "meter" and the energy is kept for the next read', async () => {
    const file = join(tempDir(), 'estimated-meter-1.json');
    const clock = new ManualClock();
    const meter = new EstimatedMeter(3, source(true, pwm(53.3)), clock, file);
    await meter.read();
    mkdirSync(`${file}.tmp`); // the temp file's name is taken by a directory: the write fails (EISDIR)
    clock.advance(SIXTY_S);
    const err = await meter.read().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HalError);
    expect((err as HalError).device).toBe('meter');
    expect((err as HalError).message).toContain(file);
    rmSync(`${file}.tmp`, { recursive: true });
    const r = await meter.read();
    expect(r.energyImportWh).toBeCloseTo((31.98 * 230 * 3) / 60, 2);
    expect(JSON.parse(readFileSync(file, 'utf8')).energyWh).toBeCloseTo(r.energyImportWh, 3);
  });
});

describeEnergyMeterContract('estimated (3 phases, 32 A offered, contactor closed)', async () => {
  const file = join(tempDir(), 'estimated-meter-1.json');
  const clock = new ManualClock();
  const meter = new EstimatedMeter(3, source(true, pwm(53.3)), clock, file);
  return {
    meter,
    consume: async () => clock.advance(SIXTY_S),
    breakDevice: () => {
      mkdirSync(`${file}.tmp`); // its register can no longer be kept ...
      clock.advance(1000); // ... while energy keeps flowing
    },
    repairDevice: () => rmSync(`${file}.tmp`, { recursive: true }),
    dispose: async () => undefined,
  };
});
