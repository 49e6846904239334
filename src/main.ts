// Composition root: load and validate the configuration, create the HAL, start the controller and the
// local API, and make shutdown fail safe (contactors open before the process exits).
// Must not: contain charging logic.

import { systemClock } from '../hal/clock.js';
import { createHal } from '../hal/index.js';
import { Subject } from '../hal/observable.js';
import { startApi } from './api/server.js';
import { ConfigError, loadConfig } from './config/load.js';
import { Controller } from './controller.js';
import { createLogger } from './log.js';

/** EX_CONFIG (sysexits.h): systemd should not restart a daemon whose configuration is wrong. */
const EXIT_CONFIG = 78;

async function main(argv: string[]): Promise<void> {
  const defaultIdx = argv.indexOf('--default-config');
  const defaultPath = defaultIdx >= 0 ? argv[defaultIdx + 1] : undefined;
  let loaded;
  try {
    loaded = loadConfig({ argv, ...(defaultPath ? { defaultPath } : {}) });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const line of err.problems) process.stderr.write(`evse: config: ${line}\n`);
    process.exit(EXIT_CONFIG);
  }
  const { config, path } = loaded;
  const log = createLogger(config.log.level);
  Subject.onListenerError = (err) => log.error({ err }, 'HAL listener failed');
  const { hal, sim } = await createHal({ driver: config.hal.driver, connectors: config.connectors }, systemClock);
  const controller = new Controller(config, { hal, clock: systemClock, log, dataDir: config.dataDir });
  controller.start();

  let stopping = false;
  const shutdown = (signal: string, code: number): void => {
    if (stopping) return;
    stopping = true;
    controller.stop(); // opens every contactor first, synchronously
    log.info({ signal }, 'stopped: contactors open');
    void hal.close().finally(() => log.flush(() => process.exit(code)));
  };
  process.on('SIGTERM', () => shutdown('SIGTERM', 0));
  process.on('SIGINT', () => shutdown('SIGINT', 0));
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    shutdown('uncaughtException', 1);
  });

  const api = await startApi({ host: config.api.host, port: config.api.port, controller, sim, log: log.child({ module: 'api' }) });
  log.info(
    { configPath: path, hal: hal.kind, connectors: controller.connectors.length, api: `http://${config.api.host}:${api.port}` },
    `controller ready: API on http://${config.api.host}:${api.port}/api/status`,
  );
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`evse: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
