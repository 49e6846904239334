// The far end of the CP line and the ADC behind the peak-hold circuits, faked at the package boundary:
// FakeCpLine computes what the peak detectors hold from the PWM files in the fake sysfs tree (and the stage
// enable pin) plus a simple EV (plugged, S2, diode); fakeSpiDevice / fakeI2cBus answer the bytes an MCP3008 /
// ADS1115 would return for those volts through the configured calibration. Both can be made to fail (EIO).
// Optionally (attachPeakHold) the line models the peak-hold capacitors themselves: they hold the highest
// positive and lowest negative level seen since the peak-reset pin was last released, tracked every 1 ms
// (at half-ms offsets, so a test can change the level just after a tracking point).

import type { Clock } from '../../hal/clock.js';
import type { AdcConfig, PilotHwConfig } from '../../hal/config.js';
import type { I2cBusLike, I2cModule, SpiDeviceLike, SpiModule } from '../../hal/rpi/adc.js';
import type { FakeSysfs } from './fake-sysfs.js';

export interface FakeEv {
  plugged: boolean;
  /** Closes S2 (presents C, or D with ventilation) while PWM runs. */
  wantsCharge: boolean;
  ventilation: boolean;
  /** The EV's diode; without it the negative half mirrors the positive level. */
  diode: boolean;
  /** CP shorted to PE: 0 V whatever is driven. */
  shorted: boolean;
}

export class FakeCpLine {
  readonly ev: FakeEv = { plugged: false, wantsCharge: false, ventilation: false, diode: true, shorted: false };
  /** Exact volts at the peak detectors, overriding the model (for band tests). */
  override: { highV: number; lowV: number } | null = null;
  /** What the peak-hold capacitors hold (attachPeakHold), null when discharged or not modelled. */
  private held: { highV: number; lowV: number } | null = null;

  constructor(
    private readonly sysfs: FakeSysfs,
    private readonly pwm: { chip: number; channel: number },
    /** Line number and active level of the +/-12 V stage enable, when fitted. */
    private readonly stage: { line: number; activeLow: boolean } | null = null,
  ) {}

  volts(): { highV: number; lowV: number } {
    if (this.override) return this.override;
    const p = this.sysfs.pwm(this.pwm.chip, this.pwm.channel);
    const stageOn = !this.stage || this.sysfs.lastDriven(this.stage.line) === (this.stage.activeLow ? 0 : 1);
    if (!stageOn || !p.enabled || this.ev.shorted) return { highV: 0, lowV: 0 };
    if (p.dutyNs === 0) return { highV: -12, lowV: -12 };
    const pwmRunning = p.dutyNs < p.periodNs;
    const level = this.level(pwmRunning);
    if (!pwmRunning) return { highV: level, lowV: level };
    return { highV: level, lowV: !this.ev.plugged || this.ev.diode ? -12 : -level };
  }

  /** What the ADC reads: the held peaks (with the level now) when peak-hold is modelled, else the level now. */
  measured(): { highV: number; lowV: number } {
    const v = this.volts();
    if (!this.held) return v;
    return { highV: Math.max(this.held.highV, v.highV), lowV: Math.min(this.held.lowV, v.lowV) };
  }

  /** Models the capacitors, discharged while the reset line is active; returns a function that stops it. */
  attachPeakHold(clock: Clock, reset: { line: number; activeLow: boolean }): () => void {
    let timer: unknown = null;
    const track = (): void => {
      const resetting = this.sysfs.lastDriven(reset.line) === (reset.activeLow ? 0 : 1);
      this.held = resetting ? null : this.measured();
      timer = clock.setTimeout(track, 1);
    };
    timer = clock.setTimeout(track, 0.5);
    return () => {
      clock.clearTimeout(timer);
      this.held = null;
    };
  }

  private level(pwmRunning: boolean): number {
    if (!this.ev.plugged) return 12;
    if (this.ev.wantsCharge && pwmRunning) return this.ev.ventilation ? 3 : 6;
    return 9;
  }
}

type Calibration = PilotHwConfig['calibration'];

/** ADC input volts for CP volts on a channel (the inverse of the driver's calibration). */
function adcVolts(line: FakeCpLine, adc: AdcConfig, cal: Calibration, channel: number): number {
  const v = line.measured();
  if (channel === adc.highChannel) return (v.highV - cal.high.offset) / cal.high.scale;
  if (channel === adc.lowChannel) return (v.lowV - cal.low.offset) / cal.low.scale;
  return 0;
}

const eio = (): Error => Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });

export interface FakeSpi extends SpiModule {
  fail: boolean;
  readonly opened: Array<{ bus: number; device: number; options: unknown }>;
  readonly sent: number[][];
  closed: boolean;
}

export function fakeSpiDevice(line: FakeCpLine, adc: Extract<AdcConfig, { type: 'mcp3008' }>, cal: Calibration): FakeSpi {
  const fake: FakeSpi = {
    fail: false,
    opened: [],
    sent: [],
    closed: false,
    openSync(bus, device, options) {
      fake.opened.push({ bus, device, options });
      const dev: SpiDeviceLike = {
        transferSync(message) {
          if (fake.fail) throw eio();
          const m = message[0]!;
          const tx = [...m.sendBuffer!];
          fake.sent.push(tx);
          if (tx[0] !== 0x01 || (tx[1]! & 0x80) === 0) throw new Error('not an MCP3008 single-ended request');
          const channel = (tx[1]! >> 4) & 0x07;
          const code = Math.max(0, Math.min(1023, Math.round((adcVolts(line, adc, cal, channel) * 1024) / adc.vrefV)));
          m.receiveBuffer!.set([0x00, (code >> 8) & 0x03, code & 0xff]);
          return dev;
        },
        closeSync() {
          fake.closed = true;
        },
      };
      return dev;
    },
  };
  return fake;
}

export interface FakeI2c extends I2cModule {
  fail: boolean;
  readonly configs: number[];
  closed: boolean;
}

export function fakeI2cBus(line: FakeCpLine, adc: Extract<AdcConfig, { type: 'ads1115' }>, cal: Calibration): FakeI2c {
  let channel = -1;
  const fake: FakeI2c = {
    fail: false,
    configs: [],
    closed: false,
    openSync(_bus) {
      const bus: I2cBusLike = {
        writeI2cBlockSync(address, command, length, buffer) {
          if (fake.fail || address !== adc.address) throw eio();
          if (command !== 0x01 || length !== 2) throw new Error('unexpected ADS1115 write');
          const word = buffer.readUInt16BE(0);
          fake.configs.push(word);
          channel = ((word >> 12) & 0x7) - 0b100;
          return 2;
        },
        readI2cBlockSync(address, command, length, buffer) {
          if (fake.fail || address !== adc.address) throw eio();
          if (command !== 0x00 || length !== 2) throw new Error('unexpected ADS1115 read');
          const code = Math.max(-32768, Math.min(32767, Math.round((adcVolts(line, adc, cal, channel) / adc.fullScaleV) * 32768)));
          buffer.writeInt16BE(code, 0);
          return 2;
        },
        closeSync() {
          fake.closed = true;
        },
      };
      return bus;
    },
  };
  return fake;
}
