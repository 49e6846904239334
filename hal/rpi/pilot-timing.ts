// Timing facts of the CP sampling cadence (pilot-sampler.ts) as pure functions, so the configuration check
// can refuse a too-slow sample interval without loading any driver. Must not: import drivers or I/O.

import type { AdcConfig } from '../config.js';

/** One ADS1115 conversion at 860 SPS takes 1.16 ms (+10 % oscillator tolerance); adc.ts waits 2 ms per channel. */
export const ADS1115_CONVERSION_MS = 2;

/** How long the peak-hold reset is held, ms (discharging takes µs; one PWM period leaves margin). */
export const PEAK_RESET_MS = 1;

/** conversionMs of each ADC driver in adc.ts: the MCP3008 answers within the transfer, the ADS1115 later. */
export function conversionMsOf(adcType: AdcConfig['type']): number {
  return adcType === 'ads1115' ? ADS1115_CONVERSION_MS : 0;
}

/**
 * Worst-case time, ms, from a change of the CP level (either way) to the PilotSample that reports it, for
 * this sampler with pilot.ts / pilot-classify.ts's rules, with at most one setOutput in between; on an ideal
 * timer (event-loop lateness comes on top). Infinity for an interval that is not a positive number.
 * - P, the sampling period: the interval, times the ticks skipped while a sequence (2 conversions + the
 *   peak reset) still runs.
 * - First sample showing the change: a rise is caught by the next sample (the peak detector follows it),
 *   at most P later; a fall is hidden by the old peak when it comes just after the reset was released, so
 *   up to 2P - sequence - PEAK_RESET_MS later. Assumes peak-hold channels reset by peakReset (without a
 *   reset pin, the hardware's discharge time adds to a fall).
 * - Two-sample rule: one more period.
 * - One setOutput discards the samples before it: + P with an MCP3008 (its sample is never in flight), +2P
 *   with an ADS1115 (the confirming sample in flight is dropped).
 * - The conversions of the last sample.
 */
export function worstDetectionMs(sampleIntervalMs: number, adcType: AdcConfig['type']): number {
  if (!(Number.isFinite(sampleIntervalMs) && sampleIntervalMs > 0)) return Number.POSITIVE_INFINITY;
  const c = conversionMsOf(adcType);
  const sequence = 2 * c;
  const period = sampleIntervalMs * (Math.floor((sequence + PEAK_RESET_MS) / sampleIntervalMs) + 1);
  const firstSeen = Math.max(period, 2 * period - sequence - PEAK_RESET_MS);
  const outputChange = c > 0 ? 2 * period : period;
  return firstSeen + period + outputChange + sequence;
}
