// Proximity pilot (PP) of a Type 2 socket on a Pi (REFERENCE.md 2): PP pulled up through a resistor, the
// cable plug's coding resistor Rc from PP to PE below it, the node read on a spare channel of the pilot's
// MCP3008 (adc.ts). Owns: ADC volts -> Rc for the configured divider, the IEC 61851-1 Rc bands, and one read
// (the median of three conversions, so a single glitch cannot change the rating).
// Must not: poll, cap the current or raise faults (the app decides what a rating or a failed read means);
// open or close the ADC (the connector owns it).
//
// Bands, as Phoenix Contact's EV Charge Control Basic manual (Table 5-1) gives IEC 61851-1's coding:
// below 75 Ω error (short); 75-150 Ω 63 A (100 Ω nominal); 150-330 Ω 32 A (220 Ω); 330-1000 Ω 20 A (680 Ω);
// 1000-2200 Ω 13 A (1.5 kΩ); above 2200 Ω no cable (0 A). Where two bands meet the lower current wins (safe
// side): 150 Ω is 32 A, 330 Ω 20 A, 1000 Ω 13 A, 2200 Ω no cable. The bands touch, so there is no gap that
// would need hysteresis; a reading outside all of them (a short, or a level above the pull-up supply, which
// no resistor to PE can produce) rejects with HalError.
//
// Default divider: 1 kΩ pull-up to the ADC reference. OpenEVSE's PP counts in REFERENCE.md 2 (615, 415, 185,
// 93 of a 10-bit ADC for 1.5 kΩ, 680, 220, 100 Ω) are exactly what that divider gives; it also keeps every
// band edge at least 0.2 V from the next at 3.3 V. (CB's millivolt thresholds belong to a divider their
// source does not state, so they cannot be converted.)
//
// ADS1115: refused. Its single-shot conversion needs 2 ms between begin and finish; a PP conversion started
// inside the CP sampler's window (pilot-sampler.ts) would switch the multiplexer under it and hand the
// sampler the PP level as a CP reading. An MCP3008 transfer is one synchronous call, so reads never interleave.

import type { AdcConfig, ProximityHwConfig } from '../config.js';
import { HalError } from '../errors.js';
import type { CableRating, ProximityPilot } from '../types.js';
import type { CpAdc } from './adc.js';
import { errText } from './optional-import.js';

/** Below this the PP is shorted to PE (no coding resistor is that low). */
export const PP_SHORT_BELOW_OHMS = 75;
/** From this up no cable is detected (includes an open PP). */
export const PP_NO_CABLE_FROM_OHMS = 2200;
/** Lower edge (inclusive) of each band, highest current first; each band ends where the next starts. */
export const PP_BANDS: ReadonlyArray<{ fromOhms: number; rating: CableRating }> = [
  { fromOhms: PP_SHORT_BELOW_OHMS, rating: 63 },
  { fromOhms: 150, rating: 32 },
  { fromOhms: 330, rating: 20 },
  { fromOhms: 1000, rating: 13 },
];
/** A reading more than this fraction of the supply above it is a wiring fault, not an open PP (ADC noise is far less). */
export const PP_ABOVE_SUPPLY_TOLERANCE = 0.05;
/** Conversions per read; the median is used. */
export const PP_SAMPLES = 3;
export { PP_DEFAULT_PULL_UP_OHMS } from '../config.js';

/** Rc from the node voltage: Infinity at or above the supply (open), NaN for a level no Rc can produce. */
export function ppOhms(volts: number, pullUpOhms: number, pullUpV: number): number {
  if (!Number.isFinite(volts) || volts < 0 || volts > pullUpV * (1 + PP_ABOVE_SUPPLY_TOLERANCE)) return Number.NaN;
  if (volts >= pullUpV) return Number.POSITIVE_INFINITY;
  return (pullUpOhms * volts) / (pullUpV - volts);
}

/** Rc to a rating; null = no cable; 'short' below the 63 A band; 'invalid' for NaN or a negative value. */
export function classifyPpOhms(ohms: number): CableRating | null | 'short' | 'invalid' {
  if (Number.isNaN(ohms) || ohms < 0) return 'invalid';
  if (ohms < PP_SHORT_BELOW_OHMS) return 'short';
  if (ohms >= PP_NO_CABLE_FROM_OHMS) return null;
  let rating: CableRating = 63;
  for (const band of PP_BANDS) if (ohms >= band.fromOhms) rating = band.rating;
  return rating;
}

const ALL_RATINGS: readonly CableRating[] = [13, 20, 32, 63];

export class RpiProximity implements ProximityPilot {
  readonly capabilities = { ratings: ALL_RATINGS };
  private readonly pullUpV: number;

  /** Throws HalError for a configuration this driver cannot read safely (see header). */
  constructor(
    private readonly adc: CpAdc,
    adcConfig: AdcConfig,
    private readonly cfg: ProximityHwConfig,
    readonly device: string,
  ) {
    if (adcConfig.type !== 'mcp3008' || adc.conversionMs > 0) {
      throw new HalError(device, `the PP needs an MCP3008 pilot ADC; an ${adcConfig.type}'s 2 ms conversions would interleave with the CP sampler's`);
    }
    this.pullUpV = cfg.pullUpV ?? adcConfig.vrefV;
    if (!(this.pullUpV > 0 && this.pullUpV <= adcConfig.vrefV)) {
      throw new HalError(device, `pullUpV ${this.pullUpV} V must be above 0 and at most the ADC's vrefV ${adcConfig.vrefV} V (an open PP must stay in range)`);
    }
    if (!(cfg.pullUpOhms > 0 && Number.isFinite(cfg.pullUpOhms))) throw new HalError(device, `pullUpOhms ${cfg.pullUpOhms} must be a positive number`);
  }

  async read(): Promise<CableRating | null> {
    const volts = this.sample();
    const ohms = ppOhms(volts, this.cfg.pullUpOhms, this.pullUpV);
    const result = classifyPpOhms(ohms);
    const at = `${volts.toFixed(3)} V on channel ${this.cfg.channel}`;
    if (result === 'short') {
      throw new HalError(this.device, `PP shorted to PE: ${Math.round(ohms)} Ω (${at}) is below the ${PP_SHORT_BELOW_OHMS} Ω of the 63 A band`);
    }
    if (result === 'invalid') {
      throw new HalError(this.device, `PP reads ${at}, above the ${this.pullUpV} V pull-up supply: check the wiring and proximity.pullUpV`);
    }
    return result;
  }

  /** The median of PP_SAMPLES conversions, ADC volts. */
  private sample(): number {
    const { channel } = this.cfg;
    const values: number[] = [];
    for (let i = 0; i < PP_SAMPLES; i++) {
      try {
        this.adc.begin(channel);
        values.push(this.adc.finish(channel));
      } catch (err) {
        throw new HalError(this.device, `cannot read the PP on ADC channel ${channel}: ${errText(err)}`, { cause: err });
      }
    }
    return values.sort((a, b) => a - b)[Math.floor(PP_SAMPLES / 2)]!;
  }
}
