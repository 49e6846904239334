// Lazy loading of the hardware-only packages (onoff, spi-device, i2c-bus, ...) that real drivers need.
// Owns: turning "package missing" or "native binding failed to load" into one clear HalError.
// Must not: be called at module top level; drivers call it inside their async factory only.

import { HalError } from '../errors.js';

/**
 * `await import(pkg)` for a driver that needs it. The specifier goes through a variable so packages
 * without type declarations (i2c-bus) need none: the caller states the shape it uses as `T`.
 * CommonJS packages are unwrapped: the namespace is returned when it has `member`, else its `default`.
 */
export async function importOptional<T>(pkg: string, driver: string, member: string): Promise<T> {
  const specifier: string = pkg;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new HalError(driver, `driver ${driver} needs package ${pkg}, install with: npm install ${pkg}`, { cause: err });
    }
    throw new HalError(driver, `package ${pkg} failed to load (${(err as Error).message}); rebuild it with: npm rebuild ${pkg}`, {
      cause: err,
    });
  }
  if (member in mod) return mod as T;
  const fallback = mod.default as Record<string, unknown> | undefined;
  if (fallback && member in fallback) return fallback as T;
  throw new HalError(driver, `package ${pkg} has no export ${member}; is it the expected version?`);
}

/** A short text for an unknown thrown value. */
export function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
