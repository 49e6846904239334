// Time source shared by drivers, machines and the app, injectable so tests and benches run on simulated time.
// Owns: the Clock contract and the system clock. Must not: schedule anything itself.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (id) => clearTimeout(id as NodeJS.Timeout),
};
