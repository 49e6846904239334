// Periodic reading of the CP's positive and negative peak-hold channels (REFERENCE.md 6: on a Pi, sample
// peak detectors, not the 1 kHz wave itself). Owns: the sampling cadence on the injected clock, the ADC
// begin/finish sequence, the calibration to CP volts and the peak-hold reset pulse after each sample.
// Must not: classify states or decide faults (pilot.ts does).
//
// Sequence per tick: read high, read low (an ADS1115 needs conversionMs per channel, an MCP3008 none), then
// pulse peakReset for PEAK_RESET_MS so the capacitors track the next interval's peaks. A tick that finds the
// previous sequence still running, or the peak reset still held (the capacitors being discharged), is
// skipped. pilot-timing.ts worstDetectionMs() gives the worst-case latency this cadence implies for the config to check.

import type { Clock } from '../clock.js';
import type { PilotHwConfig } from '../config.js';
import { HalError } from '../errors.js';
import type { CpAdc } from './adc.js';
import { PEAK_RESET_MS } from './pilot-timing.js';
import type { OutputPin } from './gpio.js';
import { errText } from './optional-import.js';

export interface CpVolts {
  highV: number;
  lowV: number;
}

export class CpSampler {
  private tickTimer: unknown = null;
  private stepTimer: unknown = null;
  private resetTimer: unknown = null;
  private busy = false;
  private generation = 0;
  private completedAt: number | null = null;
  private onVolts: (v: CpVolts) => void = () => undefined;
  private onError: (err: HalError) => void = () => undefined;

  constructor(
    private readonly adc: CpAdc,
    private readonly cfg: Pick<PilotHwConfig, 'adc' | 'calibration' | 'sampleIntervalMs'>,
    private readonly clock: Clock,
    private readonly peakReset: OutputPin | null,
    private readonly device: string,
  ) {}

  start(onVolts: (v: CpVolts) => void, onError: (err: HalError) => void): void {
    this.onVolts = onVolts;
    this.onError = onError;
    this.stop();
    this.schedule();
  }

  /** Stops sampling; releases the peak-hold reset. */
  stop(): void {
    for (const t of [this.tickTimer, this.stepTimer, this.resetTimer]) if (t !== null) this.clock.clearTimeout(t);
    this.tickTimer = this.stepTimer = this.resetTimer = null;
    this.busy = false;
    this.generation++;
    if (this.peakReset?.active) this.releaseReset();
  }

  /** Clock ms when the last sample sequence ended, with volts or with an error (dropped ones too); null before. */
  get lastSampleAt(): number | null {
    return this.completedAt;
  }

  /** The sequence in flight (if any) started under the old EVSE output: drop its result. */
  discardInFlight(): void {
    this.generation++;
  }

  private schedule(): void {
    this.tickTimer = this.clock.setTimeout(() => {
      this.schedule();
      if (!this.busy && this.resetTimer === null) this.sample();
    }, this.cfg.sampleIntervalMs);
  }

  private sample(): void {
    const gen = this.generation;
    const { highChannel, lowChannel } = this.cfg.adc;
    this.busy = true;
    this.convert(highChannel, (adcHigh) =>
      this.convert(lowChannel, (adcLow) => {
        this.ended();
        // A failed reset leaves stale peaks for the next reading: the whole sample counts as failed.
        if (!this.resetPeaks() || gen !== this.generation) return;
        const { high, low } = this.cfg.calibration;
        this.onVolts({ highV: adcHigh * high.scale + high.offset, lowV: adcLow * low.scale + low.offset });
      }),
    );
  }

  /** begin, then finish now (conversionMs 0) or after conversionMs; errors end the sequence. */
  private convert(channel: number, next: (adcVolts: number) => void): void {
    const finish = (): void => {
      this.stepTimer = null;
      let volts: number;
      try {
        volts = this.adc.finish(channel);
      } catch (err) {
        return this.fail(err);
      }
      next(volts);
    };
    try {
      this.adc.begin(channel);
    } catch (err) {
      return this.fail(err);
    }
    if (this.adc.conversionMs === 0) finish();
    else this.stepTimer = this.clock.setTimeout(finish, this.adc.conversionMs);
  }

  private resetPeaks(): boolean {
    const pin = this.peakReset;
    if (!pin) return true;
    try {
      pin.set(true);
    } catch (err) {
      this.fail(err);
      return false;
    }
    this.resetTimer = this.clock.setTimeout(() => this.releaseReset(), PEAK_RESET_MS);
    return true;
  }

  private releaseReset(): void {
    this.resetTimer = null;
    try {
      this.peakReset?.set(false);
    } catch (err) {
      this.fail(err);
    }
  }

  private ended(): void {
    this.busy = false;
    this.completedAt = this.clock.now();
  }

  /** A failure inside a sequence ends it; one releasing the peak reset (after the sequence) does not. */
  private fail(err: unknown): void {
    if (this.busy) this.ended();
    this.onError(err instanceof HalError ? err : new HalError(this.device, errText(err), { cause: err }));
  }
}
