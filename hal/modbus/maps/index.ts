// The known meter models: one register map per model, looked up by the config's model name.
// Must not: hold register facts itself (each model's file does).

import type { MeterModel } from '../../config.js';
import { HalError } from '../../errors.js';
import type { MeterMap } from '../map.js';
import { abbB23 } from './abb-b23.js';
import { em340 } from './em340.js';
import { sdm120 } from './sdm120.js';
import { sdm630 } from './sdm630.js';
import { sdm72dm } from './sdm72dm.js';

/** In probe order: the Eastron models share one layout, so the most common comes first. */
export const METER_MAPS: Readonly<Record<MeterModel, MeterMap>> = {
  sdm630,
  sdm72dm,
  sdm120,
  'abb-b23': abbB23,
  em340,
};

export const METER_MODELS = Object.keys(METER_MAPS) as MeterModel[];

export function meterMap(model: string): MeterMap {
  const map = (METER_MAPS as Record<string, MeterMap | undefined>)[model];
  if (!map) throw new HalError('meter', `unknown meter model ${JSON.stringify(model)}; known models: ${METER_MODELS.join(', ')}`);
  return map;
}
