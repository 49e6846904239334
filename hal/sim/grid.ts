// The simulated site grid connection: a grid (house) meter that sees a settable house load per phase plus
// whatever the simulated connectors draw, like a real meter at the grid connection sees the chargers too.
// Owns: the house load, the grid meter's reading (currents, power, its own import register) and its
// injected read failure. Must not: decide anything about charging or load balancing; it only measures.

import type { Clock } from '../clock.js';
import type { HouseLoadA } from '../config.js';
import { HalError } from '../errors.js';
import type { EnergyMeter, MeterReading, PhaseValues } from '../types.js';

/** Above this a house load is refused (the grid meters' plausible range, hal/modbus/probe.ts). */
export const MAX_HOUSE_A = 250;
const NOMINAL_V = 230;

/** What the grid meter needs of a simulated connector: its current now and its own energy register. */
export interface SimGridConsumer {
  readonly physical: { currentA: number; energyWh: number };
  readonly ev: { phases: 1 | 3 };
}

/** What the simulated grid connection shows now (for status displays, the sim API and tests). */
export interface SimGridState {
  houseA: PhaseValues;
  /** House plus connectors: what the grid meter reads now. */
  currentA: PhaseValues;
  /** The grid meter's reads fail (failGridMeter). */
  meterOffline: boolean;
}

const inRange = (a: unknown): a is number => typeof a === 'number' && Number.isFinite(a) && a >= 0 && a <= MAX_HOUSE_A;

/** A house load the simulator accepts: 0-MAX_HOUSE_A A for every phase, or [L1, L2, L3] each in that range. */
export function isHouseLoad(value: unknown): value is HouseLoadA {
  if (Array.isArray(value)) return value.length === 3 && value.every(inRange);
  return inRange(value);
}

export const HOUSE_LOAD_EXPECTED = `a number of amps 0-${MAX_HOUSE_A} (every phase) or [L1, L2, L3]`;

function phases(load: HouseLoadA): PhaseValues {
  if (typeof load === 'number') return { l1: load, l2: load, l3: load };
  return { l1: load[0], l2: load[1], l3: load[2] };
}

const sum = (v: PhaseValues): number => v.l1 + v.l2 + v.l3;

export class SimGrid {
  readonly meter: EnergyMeter;
  private house: PhaseValues;
  private offline = false;
  private houseWh = 0;
  private integratedAt: number;
  /** The connectors' registers when the grid meter was fitted: it counts only what flowed since. */
  private readonly startWh: number[];

  constructor(
    private readonly consumers: readonly SimGridConsumer[],
    private readonly clock: Clock,
    options: { houseA?: HouseLoadA } = {},
  ) {
    this.house = { l1: 0, l2: 0, l3: 0 };
    this.integratedAt = clock.now();
    if (options.houseA !== undefined) this.setHouseLoad(options.houseA);
    this.startWh = consumers.map((c) => c.physical.energyWh);
    this.meter = {
      capabilities: { phases: 3, model: 'SIM-GRID-METER', serial: 'SIMGRID' },
      read: async () => this.read(),
    };
  }

  /** The house's own load, amps: one value for every phase or [L1, L2, L3]. Throws HalError outside 0-250 A. */
  setHouseLoad(amps: HouseLoadA): void {
    if (!isHouseLoad(amps)) throw new HalError('sim-grid', `house load must be ${HOUSE_LOAD_EXPECTED}, got ${JSON.stringify(amps)}`);
    this.integrate();
    this.house = phases(amps);
  }

  /** The grid meter stops answering (true) or answers again (false). */
  failGridMeter(on: boolean): void {
    this.offline = on;
  }

  get state(): SimGridState {
    return { houseA: { ...this.house }, currentA: this.currentA(), meterOffline: this.offline };
  }

  private currentA(): PhaseValues {
    const total = { ...this.house };
    for (const c of this.consumers) {
      const a = c.physical.currentA;
      total.l1 += a;
      if (c.ev.phases === 3) {
        total.l2 += a;
        total.l3 += a;
      }
    }
    return total;
  }

  private integrate(): void {
    const now = this.clock.now();
    if (now > this.integratedAt) this.houseWh += (sum(this.house) * NOMINAL_V * (now - this.integratedAt)) / 3_600_000;
    this.integratedAt = now;
  }

  private read(): MeterReading {
    if (this.offline) throw new HalError('meter', 'grid meter: no response (timeout)');
    this.integrate();
    const chargersWh = this.consumers.reduce((wh, c, i) => wh + c.physical.energyWh - this.startWh[i]!, 0);
    const currentA = this.currentA();
    return {
      energyImportWh: Math.round((this.houseWh + chargersWh) * 1000) / 1000,
      powerW: sum(currentA) * NOMINAL_V,
      voltageV: { l1: NOMINAL_V, l2: NOMINAL_V, l3: NOMINAL_V },
      currentA,
      frequencyHz: 50,
      takenAt: this.clock.now(),
    };
  }
}
