// The kernel's side of sysfs GPIO writes (drivers/gpio/gpiolib-sysfs.c) over a FakeSysfs tree, for code that
// writes the files itself (evse emergency-off) rather than through the fake onoff. A test wraps node:fs
// writeFileSync with `gpioKernelWrite`: export creates gpioN (EINVAL outside every chip, EBUSY when exported),
// direction "high"/"low" sets the RAW level (gpiod_direction_output_raw), value is logical (active_low
// applied; EPERM on an input), active_low changes no level. `value` files hold the raw level, as in fake-sysfs.

import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Bit, FakeSysfs } from '../../../helpers/fake-sysfs.js';

const fail = (code: string, path: string): never => {
  throw Object.assign(new Error(`${code}: write ${path}`), { code });
};

export interface GpioKernel {
  /** The next `n` writes to a gpioN attribute fail with EACCES (udev has not yet granted the group). */
  denyAccess: number;
  /** Attribute files the process may not write (EACCES), e.g. a `direction` left root-only. */
  readOnly: Set<string>;
  /** Writes the kernel handled: [path, text]. */
  readonly log: Array<[string, string]>;
}

let inKernel = false;

/** Writes a file as the kernel would show it (bypassing the rules). */
function put(path: string, text: string): void {
  inKernel = true;
  try {
    writeFileSync(path, `${text}\n`);
  } finally {
    inKernel = false;
  }
}

/**
 * A line left in a state by an earlier process: exported (an output at a raw level, or an input), or not
 * exported: then the pin is an input (the Pi's pinctrl frees it to input) and `raw` is what its pull gives.
 */
export function presetLine(sysfs: FakeSysfs, line: number, s: { exported: boolean; raw: Bit; direction?: 'in' | 'out'; activeLow?: boolean }): void {
  if (!s.exported) {
    sysfs.pendingInputs.set(line, s.raw);
    return;
  }
  mkdirSync(sysfs.lineDir(line), { recursive: true });
  for (const [f, v] of [['value', String(s.raw)], ['direction', s.direction ?? 'out'], ['active_low', s.activeLow ? '1' : '0'], ['edge', 'none']] as const) {
    put(join(sysfs.lineDir(line), f), v);
  }
}

/** Handles a write under the GPIO class directory like the kernel; true when handled (skip the real write). */
export function gpioKernelWrite(sysfs: FakeSysfs, kernel: GpioKernel, path: string, data: unknown): boolean {
  if (inKernel || !path.startsWith(sysfs.gpioRoot)) return false;
  const text = String(data).trim();
  const file = basename(path);
  const dir = dirname(path);
  if (dir === sysfs.gpioRoot && file === 'export') {
    const line = Number(text);
    if (!/^\d+$/.test(text) || !sysfs.lineExists(line)) fail('EINVAL', path);
    if (sysfs.isExported(line)) fail('EBUSY', path);
    presetLine(sysfs, line, { exported: true, raw: sysfs.pendingInputs.get(line) ?? 0, direction: 'in' });
    kernel.log.push([path, text]);
    return true;
  }
  const m = /^gpio(\d+)$/.exec(basename(dir));
  if (!m) return false;
  const line = Number(m[1]);
  if (!sysfs.isExported(line)) fail('ENOENT', path);
  if (kernel.denyAccess > 0) {
    kernel.denyAccess--;
    fail('EACCES', path);
  }
  if (kernel.readOnly.has(file)) fail('EACCES', path);
  if (sysfs.broken.has(line)) fail('EIO', path);
  kernel.log.push([path, text]);
  const drive = (raw: Bit): void => {
    put(join(dir, 'direction'), 'out');
    put(join(dir, 'value'), String(raw));
    sysfs.written(line, raw);
  };
  switch (file) {
    case 'direction':
      if (text === 'high') drive(1);
      else if (text === 'low' || text === 'out') drive(0);
      else if (text === 'in') put(path, 'in');
      else fail('EINVAL', path);
      return true;
    case 'value': {
      if (sysfs.attr(line, 'direction') !== 'out') fail('EPERM', path);
      const logical = text === '0' ? 0 : 1;
      drive((logical ^ (sysfs.attr(line, 'active_low') === '1' ? 1 : 0)) as Bit);
      return true;
    }
    case 'active_low':
      put(path, text === '0' ? '0' : '1');
      return true;
    default:
      return false;
  }
}
