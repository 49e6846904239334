// One connector at run time: wires its HAL devices to the pilot interpreter and the connector machine,
// the fault registry to the machine, the devices' own fault streams (pilot-io, contactor-io, lock-io, RCM
// self-test) to the registry, and the meter to over-current supervision.
// Owns: the actors and subscriptions of one connector. Must not: put an await between a HAL event and
// the machine (every path here is synchronous), or decide anything the machines decide.

import { createActor, type Actor } from 'xstate';
import type { Clock } from '../../hal/clock.js';
import type {
  ConnectorHal,
  ConnectorLockFault,
  ContactorFault,
  ControlPilotFault,
  DeviceFaultEvent,
  MeterReading,
  PilotOutput,
  RcmFault,
  Unsubscribe,
} from '../../hal/types.js';
import { connectorMachine, type ConnectorEmitted, type ConnectorMachineContext, type StopReason } from '../../state-machines/connector.js';
import type { OcppStatus } from '../../state-machines/connector-logic.js';
import { overCurrentMachine } from '../../state-machines/overcurrent.js';
import { pilotMachine, type PilotErrorKind, type PilotEvent } from '../../state-machines/pilot.js';
import type { Config } from '../config/schema.js';
import { untilRestart, type FaultName, type FaultRegistry } from '../faults/registry.js';
import type { Logger } from '../log.js';
import { MeterPoller, type PollerConfig } from './meter-poller.js';

export interface ConnectorSettings {
  maxCurrentA: number;
  ventilationAllowed: boolean;
  connectionTimeoutMs: number;
  poller: PollerConfig;
}

/** A connector's settings from the configuration file. */
export function connectorSettings(config: Config, c: Config['connectors'][number]): ConnectorSettings {
  const { meter, temperature } = config;
  return {
    maxCurrentA: c.maxCurrentA,
    ventilationAllowed: c.ventilationAllowed,
    connectionTimeoutMs: config.auth.connectionTimeoutS * 1000,
    poller: {
      meterIntervalMs: meter.pollIntervalMs,
      offlineAfterFailures: meter.offlineAfterFailures,
      temperatureIntervalMs: temperature.pollIntervalMs,
      tripC: temperature.tripC,
      resumeC: temperature.resumeC,
    },
  };
}

export interface RuntimeDeps {
  clock: Clock;
  faults: FaultRegistry;
  log: Logger;
}

const PILOT_FAULT: Record<PilotErrorKind, FaultName> = { E: 'pilot-short', F: 'pilot-fault', invalid: 'pilot-fault', diode: 'diode' };

type DeviceFault = ControlPilotFault | ContactorFault | ConnectorLockFault | RcmFault;

/** The registry fault each driver-reported device fault raises (all blocking; see registry.ts for codes). */
const DEVICE_FAULT: Record<DeviceFault, FaultName> = {
  'pilot-io': 'pilot-io',
  'contactor-io': 'contactor-io',
  'lock-io': 'lock-io',
  'rcm-self-test-failed': 'rcm-self-test',
};

export class ConnectorRuntime {
  readonly id: number;
  readonly pilot: Actor<typeof pilotMachine>;
  readonly machine: Actor<typeof connectorMachine>;
  readonly overCurrent: Actor<typeof overCurrentMachine>;
  readonly poller: MeterPoller;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly listeners: Array<(e: ConnectorEmitted) => void> = [];
  private readonly readingListeners: Array<(r: MeterReading) => void> = [];

  constructor(
    readonly hal: ConnectorHal,
    settings: ConnectorSettings,
    private readonly deps: RuntimeDeps,
  ) {
    this.id = hal.id;
    const { clock } = deps;
    this.pilot = createActor(pilotMachine, { clock });
    this.machine = createActor(
      connectorMachine.provide({
        actions: {
          driveCp: ({ context }) => this.guarded('pilot', () => this.driveCp(context)),
          closeContactor: () => this.guarded('contactor', () => hal.contactor.close()),
          openContactor: () => this.guarded('contactor', () => hal.contactor.open()),
          lockCable: () => this.guarded('lock', () => hal.lock?.lock()),
          unlockCable: () => this.guarded('lock', () => hal.lock?.unlock()),
        },
      }),
      {
        clock,
        input: {
          connectorId: hal.id,
          maxCurrentA: settings.maxCurrentA,
          ventilationAllowed: settings.ventilationAllowed,
          connectionTimeoutMs: settings.connectionTimeoutMs,
          caps: {
            contactorFeedback: hal.contactor.capabilities.hasFeedback,
            lock: hal.lock !== null,
            lockFeedback: hal.lock?.capabilities.hasFeedback ?? false,
            diodeCheck: hal.pilot.capabilities.diodeCheck,
            canDriveNegative: hal.pilot.capabilities.canDriveNegative,
          },
        },
      },
    );
    this.overCurrent = createActor(overCurrentMachine, { clock });
    this.poller = new MeterPoller(hal, settings.poller, { ...deps, onReading: (r) => this.handleReading(r) });
  }

  start(): void {
    const { hal, machine, pilot, deps } = this;
    pilot.on('*', (e) => this.forwardPilotEvent(e));
    machine.on('*', (e) => this.onMachineEvent(e));
    deps.faults.onChange((id) => {
      if (id === this.id && this.machine.getSnapshot().status === 'active') this.syncFaults();
    });
    this.overCurrent.on('OverCurrentTripped', (e) =>
      deps.faults.raise(this.id, 'ev-overcurrent', `${e.maxPhaseA.toFixed(1)} A > ${e.limitA.toFixed(1)} A for 7 s`),
    );
    this.unsubscribe.push(
      hal.pilot.samples.on((s) => pilot.send({ type: 'PilotSample', state: s.state, diodeOk: s.diodeOk })),
      hal.contactor.feedback.on((f) => machine.send({ type: 'ContactorFeedback', closed: f.closed })),
      hal.rcm.changes.on((r) => (r.tripped ? deps.faults.raise(this.id, 'rcd') : deps.faults.clear(this.id, 'rcd'))),
    );
    if (hal.lock) this.unsubscribe.push(hal.lock.feedback.on((f) => machine.send({ type: 'LockFeedback', locked: f.locked })));
    this.unsubscribe.push(...this.watchDeviceFaults());
    pilot.start();
    this.overCurrent.start();
    machine.start();
    // REFERENCE.md 3: the mirror contact is checked once at start-up; closed now means welded.
    if (hal.contactor.feedbackClosed === true) machine.send({ type: 'ContactorFeedback', closed: true });
    if (hal.rcm.tripped) deps.faults.raise(this.id, 'rcd');
    this.syncFaults();
    this.poller.start();
  }

  stop(): void {
    this.poller.stop();
    for (const u of this.unsubscribe.splice(0)) u();
    this.machine.stop();
    this.pilot.stop();
    this.overCurrent.stop();
    this.hal.contactor.open();
  }

  /** Machine notifications (status, sessions, faults). Listeners run synchronously. */
  onEvent(listener: (e: ConnectorEmitted) => void): void {
    this.listeners.push(listener);
  }

  /** Every good meter reading (after over-current supervision saw it). */
  onReading(listener: (r: MeterReading) => void): void {
    this.readingListeners.push(listener);
  }

  authorize(idTag: string): void {
    this.machine.send({ type: 'Authorize', idTag });
  }

  /**
   * Ends the session; `immediate` cuts power at once whatever the reason (no C1 grace), e.g. on shutdown;
   * `keepLocked` keeps the cable locked afterwards until releaseCable() (OCPP 3.5.4 DeAuthorized).
   */
  stopSession(reason: StopReason, immediate = false, keepLocked = false): void {
    this.machine.send({ type: 'StopSession', reason, ...(immediate ? { immediate } : {}), ...(keepLocked ? { keepLocked } : {}) });
  }

  /** Releases a cable kept locked after a DeAuthorized stop. */
  releaseCable(): void {
    this.machine.send({ type: 'ReleaseCable' });
  }

  setCurrentLimit(amps: number): void {
    this.machine.send({ type: 'SetCurrentLimit', amps });
  }

  setOperative(operative: boolean, afterSession = false): void {
    this.machine.send({ type: 'SetOperative', operative, afterSession });
  }

  /** Tells the machine the current blocking-fault set (called by the app on every registry change). */
  syncFaults(): void {
    this.machine.send({ type: 'FaultsChanged', blocking: this.deps.faults.blockingNames(this.id) });
  }

  get context(): ConnectorMachineContext {
    return this.machine.getSnapshot().context;
  }

  get status(): OcppStatus {
    return this.context.status ?? 'Unavailable';
  }

  private driveCp(c: ConnectorMachineContext): void {
    const output: PilotOutput =
      c.cp === 'pwm' ? { mode: 'pwm', dutyPercent: c.cpDuty } : c.cp === 'negative' ? { mode: 'negative' } : { mode: 'steady' };
    // Tell the interpreter first: while we drive -12 V the line shows our output, not the EV.
    this.pilot.send({ type: 'CpDriven', mode: output.mode });
    this.hal.pilot.setOutput(output);
  }

  /**
   * Pilot events to the machine, with the registry mirror around them: a fault is raised before the
   * machine sees the error, and cleared only after it has seen the new level (so it never decides with a
   * stale pilot state in between).
   */
  private forwardPilotEvent(e: PilotEvent): void {
    const { faults } = this.deps;
    if (e.type === 'PilotError') faults.raise(this.id, PILOT_FAULT[e.kind]);
    this.machine.send(e);
    if (e.type === 'PilotErrorCleared' || e.type === 'CarUnplugged') {
      for (const name of ['pilot-short', 'pilot-fault', 'diode'] as const) faults.clear(this.id, name);
    }
    if (e.type === 'CarUnplugged') {
      // Both latch until the cable is gone: an over-current EV, a lock that would not move.
      faults.clear(this.id, 'connector-lock');
      if (faults.clear(this.id, 'ev-overcurrent')) this.overCurrent.send({ type: 'Reset' });
    }
  }

  /** Every fault stream of this connector's devices, into the registry (the machine opens on the change). */
  private watchDeviceFaults(): Unsubscribe[] {
    const { hal } = this;
    const on = (e: DeviceFaultEvent<DeviceFault>): void => this.onDeviceFault(e);
    return [hal.pilot.faults.on(on), hal.contactor.faults.on(on), hal.rcm.faults.on(on), ...(hal.lock ? [hal.lock.faults.on(on)] : [])];
  }

  /**
   * A driver caught an I/O failure (its command did not throw): raise the blocking fault; the registry
   * change reaches the machine synchronously, which opens the contactor. A failed contactor write may have
   * been an open, which the machine believes done: command it again. Faults that only a restart clears
   * stay raised when the device reports it works again.
   */
  private onDeviceFault(e: DeviceFaultEvent<DeviceFault>): void {
    const { faults, log } = this.deps;
    const name = DEVICE_FAULT[e.fault];
    if (e.active) {
      log.error({ connector: this.id, fault: e.fault, detail: e.detail }, 'device fault');
      faults.raise(this.id, name, e.detail);
      if (e.fault === 'contactor-io') this.retryOpen();
    } else if (untilRestart(name)) {
      if (faults.has(this.id, name)) log.warn({ connector: this.id, fault: e.fault }, 'device reports it works again; the fault stays until a restart');
    } else {
      faults.clear(this.id, name);
    }
  }

  private retryOpen(): void {
    try {
      this.hal.contactor.open();
    } catch (err) {
      this.deps.log.error({ connector: this.id, err: String(err) }, 'contactor open failed');
    }
  }

  /** A HAL output that throws must not stop the machine: open the contactor and raise a blocking fault. */
  private guarded(what: string, output: () => void): void {
    try {
      output();
    } catch (err) {
      try {
        this.hal.contactor.open();
      } catch {
        // the contactor driver itself failed: the fault below is all that is left to do
      }
      this.deps.log.error({ connector: this.id, err: String(err), output: what }, 'HAL output failed');
      this.deps.faults.raise(this.id, 'hal-output', `${what}: ${String(err)}`);
    }
  }

  private onMachineEvent(e: ConnectorEmitted): void {
    if (e.type === 'FaultDetected') {
      this.deps.faults.raise(this.id, e.fault, e.detail);
      this.deps.log.error({ connector: this.id, fault: e.fault, detail: e.detail }, 'latched fault');
    }
    for (const l of this.listeners) l(e);
  }

  private handleReading(r: MeterReading): void {
    const maxPhaseA = Math.max(r.currentA.l1, r.currentA.l2, r.currentA.l3);
    this.overCurrent.send({ type: 'CurrentSample', maxPhaseA, pwmA: this.context.appliedA });
    for (const l of this.readingListeners) l(r);
  }
}
