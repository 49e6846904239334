// An energy "meter" for a connector without one fitted: estimates energy from the nominal voltage and the
// current offered on the CP while the contactor is commanded closed. Not billing-grade; its capabilities
// say model "estimated" so the boot report and the status API show it. The register survives restarts in
// a state file (written whole: temp file + rename). Must not: pretend to measure anything.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Clock } from '../clock.js';
import { HalError } from '../errors.js';
import type { EnergyMeter, EnergyMeterCapabilities, MeterReading, PilotOutput } from '../types.js';

const NOMINAL_V = 230;

export interface EstimatedMeterSource {
  /** The contactor is commanded closed. */
  closed(): boolean;
  /** What the pilot offers now. */
  output(): PilotOutput;
}

/**
 * Offered current from the PWM duty as an EV reads it (IEC 61851-1 Table A.8, REFERENCE.md 1.2): 8-10 % -> 6 A,
 * 10-85 % -> duty x 0.6 A, 85-96 % -> (duty - 64) x 2.5 A, 96-97 % -> 80 A; anything else offers nothing.
 */
export function offeredAmps(output: PilotOutput): number {
  if (output.mode !== 'pwm') return 0;
  const d = output.dutyPercent;
  if (!(d >= 8 && d <= 97)) return 0;
  if (d < 10) return 6;
  if (d <= 85) return d * 0.6;
  if (d <= 96) return (d - 64) * 2.5;
  return 80;
}

export class EstimatedMeter implements EnergyMeter {
  readonly capabilities: EnergyMeterCapabilities;
  private energyWh: number;
  private at: number;
  private savedWh = Number.NaN;

  constructor(
    phases: 1 | 3,
    private readonly source: EstimatedMeterSource,
    private readonly clock: Clock,
    private readonly stateFile: string | null,
  ) {
    this.capabilities = { phases, model: 'estimated', serial: 'none' };
    this.energyWh = readRegister(stateFile);
    this.at = clock.now();
  }

  async read(): Promise<MeterReading> {
    const amps = this.source.closed() ? offeredAmps(this.source.output()) : 0;
    const powerW = amps * NOMINAL_V * this.capabilities.phases;
    const now = this.clock.now();
    this.energyWh += (powerW * Math.max(0, now - this.at)) / 3_600_000;
    this.at = now;
    this.save();
    const three = this.capabilities.phases === 3;
    return {
      energyImportWh: Math.round(this.energyWh * 1000) / 1000,
      powerW,
      voltageV: { l1: NOMINAL_V, l2: three ? NOMINAL_V : 0, l3: three ? NOMINAL_V : 0 },
      currentA: { l1: amps, l2: three ? amps : 0, l3: three ? amps : 0 },
      frequencyHz: 0,
      takenAt: now,
    };
  }

  /** Keeps the register; a failed write rejects the read (the register would not survive a restart). */
  private save(): void {
    if (!this.stateFile || this.energyWh === this.savedWh) return;
    const tmp = `${this.stateFile}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify({ energyWh: this.energyWh }));
      renameSync(tmp, this.stateFile);
    } catch (err) {
      throw new HalError('meter', `estimated register: cannot write ${this.stateFile}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    this.savedWh = this.energyWh;
  }
}

function readRegister(file: string | null): number {
  if (!file) return 0;
  try {
    const wh = (JSON.parse(readFileSync(file, 'utf8')) as { energyWh?: unknown }).energyWh;
    return typeof wh === 'number' && Number.isFinite(wh) && wh >= 0 ? wh : 0;
  } catch {
    return 0;
  }
}
