// Polls one connector's energy meter and temperature sensor on the injected clock.
// Owns: the last good reading, the consecutive-failure count and raising/clearing meter-offline,
// overtemp and temperature-sensor faults. Must not: decide about charging (faults do that).

import type { Clock } from '../../hal/clock.js';
import type { ConnectorHal, MeterReading } from '../../hal/types.js';
import type { FaultRegistry } from '../faults/registry.js';
import type { Logger } from '../log.js';

export interface PollerConfig {
  meterIntervalMs: number;
  offlineAfterFailures: number;
  temperatureIntervalMs: number;
  tripC: number;
  resumeC: number;
}

export class MeterPoller {
  last: MeterReading | null = null;
  temperatureC: number | null = null;
  private failures = 0;
  private readonly timers = new Map<string, unknown>();
  private stopped = false;

  constructor(
    private readonly hal: ConnectorHal,
    private readonly cfg: PollerConfig,
    private readonly deps: { clock: Clock; faults: FaultRegistry; log: Logger; onReading: (r: MeterReading) => void },
  ) {}

  start(): void {
    this.loop('meter', this.cfg.meterIntervalMs, () => this.pollMeter());
    this.loop('temperature', this.cfg.temperatureIntervalMs, () => this.pollTemperature());
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) this.deps.clock.clearTimeout(t);
  }

  /** Reads the meter now (also used at session start and stop for a fresh register value). */
  async pollMeter(): Promise<MeterReading | null> {
    const id = this.hal.id;
    try {
      const reading = await this.hal.meter.read();
      this.failures = 0;
      this.last = reading;
      if (this.deps.faults.clear(id, 'meter-offline')) this.deps.log.info({ connector: id }, 'meter back online');
      this.deps.onReading(reading);
      return reading;
    } catch (err) {
      this.failures++;
      if (this.failures >= this.cfg.offlineAfterFailures && this.deps.faults.raise(id, 'meter-offline', String(err))) {
        this.deps.log.error({ connector: id, err: String(err), failures: this.failures }, 'meter offline');
      }
      return null;
    }
  }

  async pollTemperature(): Promise<void> {
    const id = this.hal.id;
    try {
      const c = await this.hal.temperature.read();
      this.temperatureC = c;
      this.deps.faults.clear(id, 'temperature-sensor');
      // OE / SE (REFERENCE.md 3): stop above the trip point, resume only below the lower restore point.
      if (c >= this.cfg.tripC && this.deps.faults.raise(id, 'overtemp', `${c} °C >= ${this.cfg.tripC} °C`)) {
        this.deps.log.error({ connector: id, celsius: c }, 'over-temperature: charging stopped');
      } else if (c <= this.cfg.resumeC && this.deps.faults.clear(id, 'overtemp')) {
        this.deps.log.info({ connector: id, celsius: c }, 'temperature back to normal');
      }
    } catch (err) {
      this.deps.faults.raise(id, 'temperature-sensor', String(err));
    }
  }

  private loop(name: string, intervalMs: number, task: () => Promise<unknown>): void {
    const tick = (): void => {
      if (this.stopped) return;
      void task().finally(() => {
        if (!this.stopped) this.timers.set(name, this.deps.clock.setTimeout(tick, intervalMs));
      });
    };
    tick();
  }
}
