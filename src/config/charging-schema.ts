// The `charging` section of the configuration file: nominal voltage for W <-> A conversion and site load
// balancing (a fuse limit per phase shared by the connectors, optionally watched through a grid meter).
// The reaction-time argument (meter interval or staleness + 5 s PWM hold + 5 s EV response) is in site-balancer.ts.
// Must not: read files or hold balancing rules (src/charging/site-balancer.ts does).

import { z } from 'zod';
import { PWM_CHANGE_HOLD_MS, SITE_DEFAULTS, siteConfigProblems } from '../charging/site-balancer.js';

const numberIn = (min: number, max: number) => {
  const error = `a number between ${min} and ${max}`;
  return z.number({ error }).min(min, { error }).max(max, { error });
};
const intIn = (min: number, max: number) => {
  const error = `an integer between ${min} and ${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
};

const SITE_KEYS = 'limitA, meter, reactionTimeMs, marginA, meterIntervalMs, staleMs, raiseHoldMs, fallbackA';

/** Defaults and cross-field checks (a reaction time the timing cannot meet, ...) come from site-balancer.ts. */
const siteSchema = z
  .strictObject(
    {
      /** The site's limit in A per phase (the main fuse), shared by the connectors. */
      limitA: numberIn(6, 1000),
      /** grid: a meter at the grid connection (house + chargers, hal.gridMeter) lets the chargers use what the house leaves. */
      meter: z.enum(['none', 'grid']).default('none'),
      /** How long the site may be above its limit before the chargers are down (ms). */
      reactionTimeMs: intIn(1000, 600_000).default(SITE_DEFAULTS.reactionTimeMs),
      /** Amps per phase kept free below the limit with a grid meter. */
      marginA: numberIn(0, 100).default(SITE_DEFAULTS.marginA),
      /** How often the grid meter is read (ms). */
      meterIntervalMs: intIn(200, 60_000).default(SITE_DEFAULTS.meterIntervalMs),
      /** A grid reading older than this counts as lost: the chargers get fallbackA together until it is back. */
      staleMs: intIn(200, 120_000).default(SITE_DEFAULTS.staleMs),
      /** A higher budget is used only after it has held this long (no PWM flapping). */
      raiseHoldMs: intIn(PWM_CHANGE_HOLD_MS, 600_000).default(SITE_DEFAULTS.raiseHoldMs),
      /** Amps per phase for all chargers together while the grid meter is lost (0: they pause). */
      fallbackA: numberIn(0, 1000).default(SITE_DEFAULTS.fallbackA),
    },
    { error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown key (allowed: ${SITE_KEYS})` : `a mapping with keys: ${SITE_KEYS}`) },
  )
  .superRefine((site, ctx) => {
    for (const problem of siteConfigProblems(site)) {
      const [key, ...rest] = problem.split(': ');
      // The balancer's sentence names the value ("..., found 9000"); load.ts appends it again, so it goes here.
      const message = rest.join(': ').replace(/,? found [^,;]*$/, '');
      ctx.addIssue({ code: 'custom', message, path: [key ?? 'site'], params: { found: site[key as keyof typeof site] } });
    }
  });

export const chargingSchema = z.strictObject(
  {
    /** Nominal line-to-neutral voltage: converts charging-profile limits in W to A per phase. */
    nominalVoltageV: numberIn(100, 277).default(230),
    /** Site load balancing; absent = each connector is limited only by its own settings and profiles. */
    site: siteSchema.optional(),
  },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? 'unknown key (allowed: nominalVoltageV, site)' : 'a mapping with keys: nominalVoltageV, site') },
);
