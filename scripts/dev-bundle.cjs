// Developer aid: bundles src/main.ts straight from the TypeScript sources (esbuild strips types, no
// typecheck) into .dev-build/<name>/main.bundle.js, so several people can run the process tests against
// their own work in one checkout without racing on dist/. Use: node scripts/dev-bundle.cjs NAME, then
// EVSE_MAIN=.dev-build/NAME/main.bundle.js npx vitest run <tests>. Needs dist/ocpp16-validators.cjs
// from one `npm run build`. Must not: replace the real build (npm test, CI and systemd use dist/).
'use strict';

const { buildSync } = require('esbuild');
const { join } = require('node:path');

const name = process.argv[2];
if (!name || !/^[\w-]+$/.test(name)) {
  process.stderr.write('usage: node scripts/dev-bundle.cjs NAME (letters, digits, - or _)\n');
  process.exit(2);
}
const root = join(__dirname, '..');
const out = join(root, '.dev-build', name, 'main.bundle.js');
buildSync({
  entryPoints: [join(root, 'src', 'main.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['better-sqlite3', 'ocpp-rpc', 'pino', 'onoff', 'spi-device', 'i2c-bus', 'mfrc522-rpi', 'sd-notify', 'serialport', 'modbus-serial'],
  banner: { js: "import { createRequire as __evseRequire } from 'node:module'; const require = __evseRequire(import.meta.url);" },
  logLevel: 'warning',
});
process.stdout.write(`dev bundle: ${out}\n`);
