// Build step: bundles the controller's entry (dist/src/main.js and everything it imports from this
// package, plus pure-JS dependencies such as zod, yaml, xstate) into one file, dist/src/main.bundle.js.
// Node then reads and links one module instead of a few hundred, which is most of a cold start on a Pi.
// Native, worker-thread and hardware packages stay external (loaded from node_modules as before).
// Must not: change behaviour; the process tests, the bench and systemd all run the bundle.
'use strict';

const { buildSync } = require('esbuild');
const { join } = require('node:path');

const root = join(__dirname, '..');
const external = [
  'better-sqlite3', // native
  'ocpp-rpc', // src/ocpp/rpc.ts replaces one of its files in the CommonJS module cache
  'pino', // worker-thread transports resolve files at run time
  'onoff',
  'spi-device',
  'i2c-bus',
  'mfrc522-rpi',
  'sd-notify',
  'serialport',
  'modbus-serial',
];
const out = join(root, 'dist', 'src', 'main.bundle.js');
buildSync({
  entryPoints: [join(root, 'dist', 'src', 'main.js')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  // CommonJS dependencies inside an ES module bundle need a require().
  banner: { js: "import { createRequire as __evseRequire } from 'node:module'; const require = __evseRequire(import.meta.url);" },
  logLevel: 'warning',
});
process.stdout.write(`bundle: ${out}\n`);
