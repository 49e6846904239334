// Bench: smart-charging composite schedule at the maximum configuration (MaxChargingProfilesInstalled 32,
// ChargeProfileMaxStackLevel 10, ChargingScheduleMaxPeriods 48): every profile installed with 48 periods, a mix
// of Recurring Daily/Weekly, Absolute and Relative in W and A, all relevant to connector 1 (11 ChargePointMax on
// connector 0, 11 TxDefault and 10 TxProfile on connector 1, a transaction running). Higher stack levels cover
// less of the time, so evaluation goes deep into each stack (the expensive case).
//   (a) compositeSchedule for 1 h, 24 h and 7 days (A; 24 h also in W): p50/p99/max over RUNS runs, profiles
//       already prepared (the steady state: parsed dates are cached per installed profile object);
//   (b) the same 24 h composite with freshly loaded profile objects (dates parsed again), p50/p99;
//   (c) limitNow at random instants over 7 days: p50/p99/max.
// No budget in DESIGN.md yet: prints figures only, no assertions.
// Usage: npm run bench:composite [-- <runs>]   Prints one line per measure.

import { performance } from 'node:perf_hooks';
import { compositeSchedule, limitNow, type CompositeInput } from '../src/charging/composite.js';
import type { ChargingProfile, InstalledProfile, ProfilePurpose, RateUnit } from '../src/charging/types.js';

const RUNS = Math.max(100, Number(process.argv[2] ?? 2000));
const MAX_PROFILES = 32;
const MAX_STACK = 10;
const MAX_PERIODS = 48;
const NOW = Date.parse('2025-03-03T09:17:23.456Z');
const H = 3_600_000;

const ms = (x: number): string => `${x.toFixed(x < 10 ? 3 : 1)} ms`;
const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Deterministic pseudo-random numbers (mulberry32), so every run benches the same profiles. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KINDS = ['Daily', 'Weekly', 'Absolute', 'Relative'] as const;

function makeProfile(id: number, purpose: ProfilePurpose, stackLevel: number, rand: () => number): ChargingProfile {
  const shape = KINDS[id % KINDS.length]!;
  const unit: RateUnit = id % 2 === 0 ? 'A' : 'W';
  // Higher stack levels run shorter: level 10 covers ~1 h, level 0 ~11 h (per day/week/run).
  const durationS = (MAX_STACK + 1 - stackLevel) * 3600;
  const step = Math.floor(durationS / MAX_PERIODS);
  const chargingSchedulePeriod = Array.from({ length: MAX_PERIODS }, (_, i) => {
    const amps = 6 + Math.floor(rand() * 27);
    return { startPeriod: i * step, limit: unit === 'A' ? amps : amps * 230 * 3, ...(i % 7 === 3 ? { numberPhases: 1 } : {}) };
  });
  const start = new Date(NOW - Math.floor(rand() * 48) * H).toISOString();
  const p: ChargingProfile = {
    chargingProfileId: id,
    stackLevel,
    chargingProfilePurpose: purpose,
    chargingProfileKind: shape === 'Daily' || shape === 'Weekly' ? 'Recurring' : shape,
    chargingSchedule: { chargingRateUnit: unit, chargingSchedulePeriod, duration: durationS, minChargingRate: unit === 'A' ? 6 : 4140 },
  };
  if (shape === 'Daily' || shape === 'Weekly') p.recurrencyKind = shape;
  if (shape !== 'Relative') p.chargingSchedule.startSchedule = start;
  if (id % 5 === 0) p.validTo = new Date(NOW + 5 * 24 * H).toISOString();
  return p;
}

function installed(): InstalledProfile[] {
  const rand = rng(42);
  const slots: Array<[number, ProfilePurpose, number]> = [];
  for (let level = 0; level <= MAX_STACK; level++) slots.push([0, 'ChargePointMaxProfile', level], [1, 'TxDefaultProfile', level], [1, 'TxProfile', level]);
  return slots.slice(0, MAX_PROFILES).map(([connectorId, purpose, level], i) => ({
    connectorId,
    profile: makeProfile(i + 1, purpose, level, rand),
    installedAt: NOW - 72 * H,
  }));
}

function input(profiles: InstalledProfile[], durationS: number, unit: RateUnit): CompositeInput {
  return {
    profiles,
    connectorId: 1,
    from: NOW,
    durationS,
    unit,
    tx: { transactionId: 4711, startedAt: NOW - 25 * 60_000 },
    electrical: { voltageV: 230, phases: 3 },
    defaultLimitA: 32,
  };
}

function timeRuns(label: string, run: (i: number) => number): string {
  const samples: number[] = [];
  let periods = 0;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    periods = run(i);
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return `${label}: ${periods} periods; p50 ${ms(percentile(samples, 50))}, p99 ${ms(percentile(samples, 99))}, max ${ms(samples.at(-1)!)} over ${RUNS} runs`;
}

function composites(profiles: InstalledProfile[]): string[] {
  const cases: Array<[string, number, RateUnit]> = [
    ['1 h', 3600, 'A'],
    ['24 h', 86_400, 'A'],
    ['24 h in W', 86_400, 'W'],
    ['7 days', 7 * 86_400, 'A'],
  ];
  return cases.map(([what, durationS, unit]) => timeRuns(`(a) compositeSchedule ${what}`, () => compositeSchedule(input(profiles, durationS, unit)).periods.length));
}

function cold(): string {
  // Fresh objects each run, as after loading from the store: the dates are parsed again (clone not timed).
  const fresh = Array.from({ length: RUNS }, () => structuredClone(installed()));
  return timeRuns('(b) compositeSchedule 24 h, freshly loaded profiles', (i) => compositeSchedule(input(fresh[i]!, 86_400, 'A')).periods.length);
}

function limitNows(profiles: InstalledProfile[]): string {
  const rand = rng(7);
  const base = input(profiles, 0, 'A');
  const samples: number[] = [];
  let limited = 0;
  for (let i = 0; i < RUNS * 50; i++) {
    const at = NOW + Math.floor(rand() * 7 * 24 * H);
    const t = performance.now();
    const r = limitNow(base, at);
    samples.push(performance.now() - t);
    if (r.source !== null) limited++;
  }
  samples.sort((a, b) => a - b);
  return `(c) limitNow at ${samples.length} random instants over 7 days (${limited} set by a profile): p50 ${ms(percentile(samples, 50))}, p99 ${ms(percentile(samples, 99))}, max ${ms(samples.at(-1)!)}`;
}

function main(): void {
  const profiles = installed();
  const periods = profiles.reduce((n, p) => n + p.profile.chargingSchedule.chargingSchedulePeriod.length, 0);
  console.log(`composite: ${profiles.length} profiles installed, ${periods} periods, stack levels 0..${MAX_STACK}, node ${process.version}`);
  compositeSchedule(input(profiles, 7 * 86_400, 'A')); // warm-up (JIT), not counted
  for (const line of [...composites(profiles), cold(), limitNows(profiles)]) console.log(`composite: ${line}`);
}

main();
