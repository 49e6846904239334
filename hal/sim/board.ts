// One simulated connector: pilot, contactor, lock, meter, RCM, temperature and an EV, physically coupled.
// Owns: the physics (what the CP line shows, what current flows, energy integration) and the control
// surface used by the local API, the demo and tests (plug, request charge, inject faults).
// Must not: decide anything about charging; it only reacts to the outputs the controller drives.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../clock.js';
import { HalError } from '../errors.js';
import type { CableRating, ConnectorHal, EnergyMeter, MeterReading, PilotSample } from '../types.js';
import { SimContactor, SimIndicator, SimLock, SimPilot, SimRcm, SimTemperature, type BoardLink } from './devices.js';
import { currentFromDuty, defaultEv, pilotSample, updateS2, type EvModel } from './ev.js';
import { CABLE_RATINGS, isCableRating, SimProximity } from './proximity.js';

export const SIM_FAULTS = [
  'rcd',
  'welded-contactor',
  'contactor-fails-to-close',
  'diode',
  'pilot-short',
  'meter-offline',
  'overtemp',
  'ev-overcurrent',
] as const;
export type SimFault = (typeof SIM_FAULTS)[number];

export interface SimTimings {
  /** EV reaction to an EVSE output change (S2 switching), ms. */
  evReactionMs: number;
  /** Mirror contact travel, ms. */
  contactorFeedbackMs: number;
  /** Lock motor travel, ms. */
  lockTravelMs: number;
}

const DEFAULT_TIMINGS: SimTimings = { evReactionMs: 50, contactorFeedbackMs: 20, lockTravelMs: 100 };
const NOMINAL_V = 230;
/** EVs draw about 95 % of the signalled current (REFERENCE.md 1.2 field notes). */
const DRAW_FACTOR = 0.95;
/** With the ev-overcurrent fault the EV draws this much more than signalled. */
const OVERCURRENT_FACTOR = 1.4;
const OVERTEMP_C = 85;

export class SimConnectorBoard implements BoardLink {
  readonly ev: EvModel = defaultEv();
  readonly faults = new Set<SimFault>();
  readonly pilot = new SimPilot(this);
  readonly contactor = new SimContactor(this);
  readonly lock: SimLock | null;
  /** The socket's PP; null with a tethered cable. */
  readonly proximity: SimProximity | null;
  readonly rcm = new SimRcm();
  readonly temperature = new SimTemperature();
  readonly indicator = new SimIndicator();
  readonly meter: EnergyMeter;
  private readonly timings: SimTimings;
  private contacts = false;
  private lockedNow = false;
  private energyWh = 0;
  private integratedAt: number;
  private lastSample: PilotSample | null = null;
  private pendingSample: unknown = null;
  private readonly stateFile: string | null;
  private savedWh = Number.NaN;
  private ppShorted = false;

  constructor(
    readonly id: number,
    private readonly clock: Clock,
    options: { tethered?: boolean; timings?: Partial<SimTimings>; initialEnergyWh?: number; stateFile?: string } = {},
  ) {
    this.timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.lock = options.tethered ? null : new SimLock(this);
    const ppLine = () => ({ plugged: this.ev.plugged, cableRatingA: this.ev.cableRatingA, shorted: this.ppShorted });
    this.proximity = options.tethered ? null : new SimProximity(ppLine, `proximity:${id}`);
    this.stateFile = options.stateFile ?? null;
    this.energyWh = options.initialEnergyWh ?? readRegister(this.stateFile);
    this.integratedAt = clock.now();
    this.meter = {
      capabilities: { phases: 3, model: 'SIM-METER', serial: `SIM${id}` },
      read: async () => this.read(),
    };
  }

  hal(): ConnectorHal {
    return {
      id: this.id,
      pilot: this.pilot,
      contactor: this.contactor,
      meter: this.meter,
      lock: this.lock,
      proximity: this.proximity,
      rcm: this.rcm,
      temperature: this.temperature,
      indicator: this.indicator,
    };
  }

  // ----- control surface ------------------------------------------------------------------------------
  plug(): void {
    this.integrate();
    this.ev.plugged = true;
    this.refresh(true);
  }

  unplug(): void {
    this.integrate();
    this.ev.plugged = false;
    this.ev.wantsCharge = false;
    this.refresh(true);
  }

  request(kind: 'charge' | 'pause'): void {
    if (!this.ev.plugged) throw new HalError('sim-ev', 'the EV is not plugged in');
    this.integrate();
    this.ev.wantsCharge = kind === 'charge';
    this.refresh(true);
  }

  get contactsClosed(): boolean {
    return this.contacts;
  }

  beforeChange(): void {
    this.integrate();
  }

  configureEv(patch: Partial<Pick<EvModel, 'maxCurrentA' | 'phases' | 'needsVentilation' | 'opensS2OnPwmOff' | 'asleep'>>): void {
    this.integrate();
    Object.assign(this.ev, patch);
    this.refresh(true);
  }

  /** The rating coded in the EV's cable (default 32 A), read through the PP while plugged. Sockets only. */
  setCableRating(rating: CableRating): void {
    this.socketOnly('a cable rating');
    if (!isCableRating(rating)) throw new HalError('sim-ev', `cable rating ${JSON.stringify(rating)} is not one of ${CABLE_RATINGS.join(', ')}`);
    this.ev.cableRatingA = rating;
  }

  /** PP shorted to PE (true) or repaired (false): reads reject until repaired. Sockets only. */
  setProximityShorted(shorted: boolean): void {
    this.socketOnly('a PP short');
    this.ppShorted = shorted;
  }

  private socketOnly(what: string): void {
    if (!this.proximity) throw new HalError('sim-ev', `connector ${this.id} has a tethered cable: no PP, so ${what} cannot be set`);
  }

  setFault(fault: SimFault, active: boolean): void {
    this.integrate();
    if (active) this.faults.add(fault);
    else this.faults.delete(fault);
    if (fault === 'rcd') this.rcm.setTripped(active);
    if (fault === 'overtemp') this.temperature.celsius = active ? OVERTEMP_C : 25;
    this.refresh(true);
  }

  /** Physical state for status displays and tests. */
  get physical(): { contactsClosed: boolean; locked: boolean; currentA: number; energyWh: number } {
    this.integrate();
    return { contactsClosed: this.contacts, locked: this.lockedNow, currentA: this.currentA(), energyWh: this.energyWh };
  }

  // ----- coupling -------------------------------------------------------------------------------------
  /** A device output changed: the EV reacts after its reaction time, contacts and lock after travel. */
  outputsChanged(): void {
    this.integrate();
    this.moveContacts();
    this.moveLock();
    this.refresh(false);
  }

  private moveContacts(): void {
    if (this.contactTarget() === this.contacts) return;
    this.clock.setTimeout(() => {
      // Travel ends in whatever position is commanded by then (a close cancelled in flight never closes).
      const target = this.contactTarget();
      this.integrate();
      if (this.contacts === target) return;
      this.contacts = target;
      this.contactor.feedback.emit({ closed: target });
    }, this.timings.contactorFeedbackMs);
  }

  /** A welded contactor is stuck closed whatever is commanded; one that fails to close stays open. */
  private contactTarget(): boolean {
    if (this.faults.has('welded-contactor')) return true;
    if (this.faults.has('contactor-fails-to-close')) return false;
    return this.contactor.commandedClosed;
  }

  private moveLock(): void {
    const lock = this.lock;
    if (!lock || lock.commandedLocked === this.lockedNow) return;
    const target = lock.commandedLocked;
    this.clock.setTimeout(() => {
      if (this.lockedNow === target || lock.commandedLocked !== target) return;
      this.lockedNow = target;
      lock.feedback.emit({ locked: target });
    }, this.timings.lockTravelMs);
  }

  /** Recomputes the EV and the CP line; emits a sample when it changed (now, or after the EV reacts). */
  private refresh(now: boolean): void {
    if (now) {
      this.settle();
      return;
    }
    if (this.pendingSample !== null) return;
    this.pendingSample = this.clock.setTimeout(() => {
      this.pendingSample = null;
      this.settle(true);
    }, this.timings.evReactionMs);
  }

  /** Emits the line's sample if it changed; after an EVSE output change always (a front-end re-samples). */
  private settle(force = false): void {
    this.integrate();
    this.moveContacts();
    updateS2(this.ev, this.pilot.output);
    const sample = pilotSample(this.ev, this.pilot.output, {
      shorted: this.faults.has('pilot-short'),
      diodeMissing: this.faults.has('diode'),
    });
    const last = this.lastSample;
    if (!force && last && last.state === sample.state && last.diodeOk === sample.diodeOk && last.highV === sample.highV && last.lowV === sample.lowV) return;
    this.lastSample = sample;
    this.pilot.samples.emit(sample);
  }

  private currentA(): number {
    const out = this.pilot.output;
    if (!this.contacts || !this.ev.s2Closed) return 0;
    const offered = out.mode === 'pwm' ? currentFromDuty(out.dutyPercent) : 0;
    if (offered === 0) return this.ev.opensS2OnPwmOff ? 0 : this.ev.maxCurrentA * DRAW_FACTOR;
    if (this.faults.has('ev-overcurrent')) return offered * OVERCURRENT_FACTOR;
    return Math.min(offered, this.ev.maxCurrentA) * DRAW_FACTOR;
  }

  private integrate(): void {
    const now = this.clock.now();
    const dtMs = now - this.integratedAt;
    if (dtMs > 0) this.energyWh += (this.powerW() * dtMs) / 3_600_000;
    this.integratedAt = now;
  }

  private powerW(): number {
    return this.currentA() * NOMINAL_V * this.ev.phases;
  }

  /** Keeps the register across restarts like a real meter's: written whole (temp file + rename), when it moved. */
  private saveRegister(): void {
    if (!this.stateFile || this.energyWh === this.savedWh) return;
    const tmp = `${this.stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify({ energyWh: this.energyWh }));
    renameSync(tmp, this.stateFile);
    this.savedWh = this.energyWh;
  }

  private read(): MeterReading {
    if (this.faults.has('meter-offline')) throw new HalError('meter', 'no response from Modbus id 1 (timeout)');
    this.integrate();
    this.saveRegister();
    const a = this.currentA();
    const three = this.ev.phases === 3;
    return {
      energyImportWh: Math.round(this.energyWh * 1000) / 1000,
      powerW: this.powerW(),
      voltageV: { l1: NOMINAL_V, l2: NOMINAL_V, l3: NOMINAL_V },
      currentA: { l1: a, l2: three ? a : 0, l3: three ? a : 0 },
      frequencyHz: 50,
      takenAt: this.clock.now(),
    };
  }
}

/** The register a simulated meter kept in its state file (0 when there is none or it is unreadable). */
function readRegister(file: string | null): number {
  if (!file) return 0;
  try {
    mkdirSync(dirname(file), { recursive: true });
    const wh = (JSON.parse(readFileSync(file, 'utf8')) as { energyWh?: unknown }).energyWh;
    return typeof wh === 'number' && Number.isFinite(wh) && wh >= 0 ? wh : 0;
  } catch {
    return 0;
  }
}
