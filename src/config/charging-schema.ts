// The `charging` section of the configuration file: nominal voltage for W <-> A conversion and site load
// balancing (a fuse limit per phase shared by the connectors, optionally watched through a grid meter).
// Must not: read files or hold balancing rules (src/charging/site-balancer.ts does).

import { z } from 'zod';

const numberIn = (min: number, max: number) => {
  const error = `a number between ${min} and ${max}`;
  return z.number({ error }).min(min, { error }).max(max, { error });
};
const intIn = (min: number, max: number) => {
  const error = `an integer between ${min} and ${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
};

/**
 * The shortest reaction time the controller can keep: a grid meter read (up to 2 s apart), up to 5 s before the
 * connector may change its PWM duty again (REFERENCE.md 1.3), and up to 5 s for the EV to follow (IEC 61851-1).
 */
export const MIN_REACTION_MS = 12_000;

const siteSchema = z.strictObject(
  {
    /** The site's limit per phase (the main fuse, or what the grid connection may carry for the chargers' site). */
    limitA: numberIn(6, 1000),
    /** grid: a meter at the grid connection (house + chargers) lets the chargers use what the house leaves. */
    meter: z.enum(['none', 'grid']).default('none'),
    /** How long the site may be above its limit before the chargers have been lowered (ms). */
    reactionTimeMs: intIn(MIN_REACTION_MS, 600_000).default(15_000),
    /** Amps per phase kept free below the limit. */
    marginA: numberIn(0, 50).default(1),
    /** A grid reading older than this counts as lost: the chargers drop to 6 A each (or pause) until it is back. */
    meterStaleMs: intIn(2000, 120_000).default(10_000),
  },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? 'unknown key (allowed: limitA, meter, reactionTimeMs, marginA, meterStaleMs)' : 'a mapping with keys: limitA, meter, reactionTimeMs, marginA, meterStaleMs') },
);

export const chargingSchema = z.strictObject(
  {
    /** Nominal line-to-neutral voltage: converts charging-profile limits in W to A per phase. */
    nominalVoltageV: numberIn(100, 277).default(230),
    /** Site load balancing; absent = each connector is limited only by its own settings and profiles. */
    site: siteSchema.optional(),
  },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? 'unknown key (allowed: nominalVoltageV, site)' : 'a mapping with keys: nominalVoltageV, site') },
);
