// EVSE-side duty-cycle encoding of the offered current (REFERENCE.md 1.2).
// Pure functions; must not know about hardware.

/** Below this the EVSE offers no PWM at all (REFERENCE.md 1.2, 2: "below 6 A no PWM, stay in B1"). */
export const MIN_CURRENT_A = 6;
export const MAX_CURRENT_A = 80;

/**
 * Duty % for an offered current, or null when no PWM may be offered (< 6 A).
 * 6-51 A: I / 0.6; 51-80 A: I / 2.5 + 64; the 51-52.5 A gap is clamped to 51 A (EVerest);
 * 6 A is always exactly 10 % (a Leaf drops off below 10 %, REFERENCE.md 1.2 field notes).
 */
export function dutyForCurrent(amps: number): number | null {
  if (!Number.isFinite(amps) || amps < MIN_CURRENT_A) return null;
  const a = Math.min(amps, MAX_CURRENT_A);
  if (a <= 51) return Math.max(10, round1(a / 0.6));
  if (a < 52.5) return round1(51 / 0.6);
  // 0.01 % steps here: one 0.1 % step is 0.25 A in this band (sysfs duty is in ns, so it is achievable).
  return Math.round((a / 2.5 + 64) * 100) / 100;
}

/** The current a duty signals to the EV, inverse of dutyForCurrent for duties it produces. */
export function currentForDuty(duty: number): number {
  if (duty <= 85) return round1(duty * 0.6);
  return round1((duty - 64) * 2.5);
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
