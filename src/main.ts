// Composition root: load and validate the configuration, open the store, create the HAL, start the
// controller, the OCPP adapter (when a CSMS is configured) and the local API, and make shutdown fail safe
// (contactors open and sessions recorded before the process exits). Must not: contain charging logic.

import { spawn } from 'node:child_process';
import { systemClock } from '../hal/clock.js';
import { createHal } from '../hal/index.js';
import { Subject } from '../hal/observable.js';
import { startApi } from './api/server.js';
import { ConfigError, loadConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { Controller } from './controller.js';
import { createLogger, type Logger } from './log.js';
import { OcppConfiguration } from './ocpp/config-keys.js';
import { SecretFileError } from './ocpp/secrets.js';
import type { OcppService } from './ocpp/service.js';
import type { MeterPolicy } from './ocpp/transactions.js';
import { SessionHistory } from './sessions/history.js';
import { openDb } from './store/db.js';
import { Settings } from './store/settings.js';
import { openSupervision } from './supervise/index.js';

/** EX_CONFIG (sysexits.h): systemd should not restart a daemon whose configuration is wrong. */
const EXIT_CONFIG = 78;

function load(argv: string[]): Config {
  const defaultIdx = argv.indexOf('--default-config');
  const defaultPath = defaultIdx >= 0 ? argv[defaultIdx + 1] : undefined;
  try {
    return loadConfig({ argv, ...(defaultPath ? { defaultPath } : {}) }).config;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const line of err.problems) process.stderr.write(`evse: config: ${line}\n`);
    process.exit(EXIT_CONFIG);
  }
}

function meterPolicy(keys: OcppConfiguration): MeterPolicy {
  return {
    sampleIntervalS: () => keys.int('MeterValueSampleInterval'),
    alignedIntervalS: () => keys.int('ClockAlignedDataInterval'),
    sampled: () => keys.list('MeterValuesSampledData'),
    aligned: () => keys.list('MeterValuesAlignedData'),
    stopSampled: () => keys.list('StopTxnSampledData'),
    stopAligned: () => keys.list('StopTxnAlignedData'),
  };
}

/** How long a deliberate exit waits for queued transaction messages to be confirmed (systemd: 5 s stop). */
const DRAIN_MS = 3000;

/** After a reset: under systemd exit and let it restart us; otherwise start a fresh copy first. */
async function restart(log: Logger, ocpp: OcppService | null): Promise<void> {
  await ocpp?.drain(DRAIN_MS);
  await ocpp?.stop();
  const underSystemd = process.env.INVOCATION_ID !== undefined;
  const mode = process.env.EVSE_RESTART ?? (underSystemd ? 'exit' : 'respawn');
  if (mode === 'respawn') {
    spawn(process.execPath, process.argv.slice(1), { detached: true, stdio: 'inherit' }).unref();
  }
  log.info({ mode }, 'restarting');
  log.flush(() => process.exit(0));
}

async function main(argv: string[]): Promise<void> {
  const config = load(argv);
  const log = createLogger(config.log.level);
  const supervision = await openSupervision({ log }); // before the hardware: a missing sd-notify fails here
  Subject.onListenerError = (err) => log.error({ err }, 'HAL listener failed');
  const db = openDb(config.dataDir);
  const settings = new Settings(db);
  const keys = new OcppConfiguration(settings, {
    numberOfConnectors: config.connectors.length,
    overrides: { ConnectionTimeOut: String(config.auth.connectionTimeoutS), WebSocketPingInterval: String(config.ocpp?.pingIntervalS ?? 30) },
  });
  const { hal, sim } = await createHal({ driver: config.hal.driver, connectors: config.connectors, hw: config.hal, stateDir: config.dataDir }, systemClock);
  let ocpp: OcppService | null = null;
  const controller = new Controller(config, {
    hal,
    clock: systemClock,
    log,
    db,
    settings,
    policy: config.ocpp ? meterPolicy(keys) : null,
    restart: () => void restart(log, ocpp),
  });
  if (config.ocpp) {
    const { OcppService } = await import('./ocpp/service.js'); // loaded only when a CSMS is configured
    try {
      ocpp = new OcppService(config.ocpp, keys, { controller, settings, clock: systemClock, log }, config.identity, config.chargePointId);
    } catch (err) {
      if (!(err instanceof SecretFileError)) throw err;
      process.stderr.write(`evse: ${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    const service = ocpp;
    controller.authorizer = (idTag) => service.authorize(idTag);
    controller.ocppView = () => service.view();
    controller.setTimeSource(() => service.registration.now());
  }
  controller.start();
  const history = new SessionHistory(config.sessions, { db, clock: systemClock, log: log.child({ module: 'sessions' }) });
  history.start(); // retention now (after recovery stopped the sessions left open), then daily
  ocpp?.start();

  // However the process ends (signal, crash, process.exit), the contactor outputs go to their off level.
  process.on('exit', () => hal.emergencyOff?.());

  let stopping = false;
  const shutdown = (signal: string, code: number): void => {
    if (stopping) return;
    stopping = true;
    supervision.stopping(); // STOPPING=1
    controller.shutdown('Reboot'); // opens every contactor (CP steady) first, then records the sessions durably
    history.stop();
    log.info({ signal }, 'stopped: sessions ended, contactors open');
    const drained = ocpp ? ocpp.drain(DRAIN_MS).then(() => ocpp?.stop()) : Promise.resolve();
    void Promise.all([hal.close(), drained]).finally(() => {
      db.close();
      log.flush(() => process.exit(code));
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM', 0));
  process.on('SIGINT', () => shutdown('SIGINT', 0));
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    shutdown('uncaughtException', 1);
  });

  const api = await startApi({ host: config.api.host, port: config.api.port, controller, sim, log: log.child({ module: 'api' }) });
  log.info(
    { hal: hal.kind, connectors: controller.connectors.length, api: `http://${config.api.host}:${api.port}`, csms: config.ocpp?.url ?? null },
    `controller ready: API on http://${config.api.host}:${api.port}/api/status`,
  );
  supervision.ready({ controller, hal }); // READY=1, then WATCHDOG=1 while healthy
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`evse: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
