// GIVEN configuration files with a grid meter (hal.gridMeter) WHEN parsed THEN a Modbus meter on a bus of
// hal.modbus (driver rpi) or a simulated one with an optional house load (driver sim) is accepted, no entry
// stays absent, and each mistake is refused with one line naming the key: the wrong driver for the HAL, a
// missing bus, an address a connector meter already answers on, an unknown model, an address or house load
// out of range, an unknown key.

import { describe, expect, it } from 'vitest';
import { METER_MODELS } from '../../../../hal/modbus/maps/index.js';
import { MAX_HOUSE_A } from '../../../../hal/sim/index.js';
import { parseConfig } from '../../../../src/config/load.js';
import { configProblems } from '../../../helpers/config-problems.js';
import { MAX_SIM_HOUSE_A, METER_MODEL_NAMES } from '../../../../src/config/meter-schema.js';

const RPI = `
connectors: [{ id: 1 }]
hal:
  driver: rpi
  modbus: [{ id: rs485, port: /dev/ttyUSB0 }, { id: house, port: /dev/ttyUSB1 }]
  connectors:
    - pilot: { adc: { type: mcp3008 }, enable: 24, peakReset: 26 }
      contactor: { coil: 17, mirror: 27 }
      rcd: { trip: 22, test: 23 }
      lock: { motorA: 5, motorB: 6, feedback: 13 }
      meter: { driver: modbus, bus: rs485, model: sdm630, address: 1 }
`;

const rpi = (gridMeter: string): string => `${RPI}  gridMeter: ${gridMeter}\n`;
const sim = (gridMeter: string): string => `hal:\n  driver: sim\n  gridMeter: ${gridMeter}\n`;

const problems = configProblems;

describe('hal.gridMeter: accepted', () => {
  it('GIVEN a Modbus grid meter on the connector meters bus at its own address WHEN parsed THEN it is kept as written', () => {
    const config = parseConfig(rpi('{ driver: modbus, bus: rs485, model: sdm630, address: 2 }'), 'config.yaml');
    expect(config.hal.gridMeter).toEqual({ driver: 'modbus', bus: 'rs485', model: 'sdm630', address: 2 });
  });

  it('GIVEN a grid meter at the same address as a connector meter but on another bus WHEN parsed THEN it is accepted', () => {
    const config = parseConfig(rpi('{ driver: modbus, bus: house, model: abb-b23, address: 1 }'), 'config.yaml');
    expect(config.hal.gridMeter).toEqual({ driver: 'modbus', bus: 'house', model: 'abb-b23', address: 1 });
  });

  it('GIVEN no gridMeter entry WHEN parsed (rpi and sim) THEN there is none', () => {
    expect(parseConfig(RPI, 'config.yaml').hal.gridMeter).toBeUndefined();
    expect(parseConfig('hal: { driver: sim }', 'config.yaml').hal.gridMeter).toBeUndefined();
  });

  it('GIVEN a simulated grid meter without, with one and with three house loads WHEN parsed THEN each is kept as written', () => {
    expect(parseConfig(sim('{ driver: sim }'), 'config.yaml').hal.gridMeter).toEqual({ driver: 'sim' });
    expect(parseConfig(sim('{ driver: sim, houseA: 12.5 }'), 'config.yaml').hal.gridMeter).toEqual({ driver: 'sim', houseA: 12.5 });
    expect(parseConfig(sim('{ driver: sim, houseA: [0, 8, 250] }'), 'config.yaml').hal.gridMeter).toEqual({ driver: 'sim', houseA: [0, 8, 250] });
  });

  it('GIVEN the model list and house bound of the schema WHEN compared with the HAL THEN they are the same', () => {
    expect([...METER_MODEL_NAMES].sort()).toEqual([...METER_MODELS].sort());
    expect(MAX_SIM_HOUSE_A).toBe(MAX_HOUSE_A);
  });
});

describe('hal.gridMeter: refused', () => {
  it.each([
    [
      'the address of connector 1 meter on the same bus',
      rpi('{ driver: modbus, bus: rs485, model: sdm630, address: 1 }'),
      'hal.gridMeter.address: the meter of hal.connectors[0] already has this address on bus rs485; expected an address of its own on the bus, found 1',
    ],
    [
      'a bus that hal.modbus does not define',
      rpi('{ driver: modbus, bus: rs232, model: sdm630, address: 2 }'),
      'hal.gridMeter.bus: no such bus; expected one of the hal.modbus ids (rs485, house), found "rs232"',
    ],
    [
      'a simulated grid meter on real hardware',
      rpi('{ driver: sim }'),
      'hal.gridMeter.driver: a simulated grid meter needs hal.driver sim; expected modbus (a meter on a hal.modbus bus), found "sim"',
    ],
    [
      'a Modbus grid meter on the simulator',
      sim('{ driver: modbus, bus: rs485, model: sdm630, address: 2 }'),
      'hal.gridMeter.driver: the simulated HAL has no Modbus buses; expected sim (with hal.driver sim), found "modbus"',
    ],
    [
      'an unknown model',
      rpi('{ driver: modbus, bus: rs485, model: sdm999, address: 2 }'),
      'hal.gridMeter.model: expected one of sdm630, sdm120, sdm72dm, abb-b23, em340, found "sdm999"',
    ],
    ['address 0', rpi('{ driver: modbus, bus: rs485, model: sdm630, address: 0 }'), 'hal.gridMeter.address: expected an integer between 1 and 247, found 0'],
    ['address 248', rpi('{ driver: modbus, bus: rs485, model: sdm630, address: 248 }'), 'hal.gridMeter.address: expected an integer between 1 and 247, found 248'],
    [
      'a Modbus grid meter without an address',
      rpi('{ driver: modbus, bus: rs485, model: sdm630 }'),
      'hal.gridMeter.address: expected an integer between 1 and 247, found nothing',
    ],
    [
      'an unknown driver',
      sim('{ driver: mqtt }'),
      'hal.gridMeter.driver: expected a grid meter: { driver: modbus, bus, model, address } (hal.driver rpi) or { driver: sim, houseA } (hal.driver sim), found "mqtt"',
    ],
    ['an unknown key', sim('{ driver: sim, house: 3 }'), 'hal.gridMeter.house: unknown key'],
    ['a house load above 250 A', sim('{ driver: sim, houseA: 251 }'), 'hal.gridMeter.houseA: expected a number of amps 0-250 for every phase, or [L1, L2, L3], found 251'],
    ['a negative house load', sim('{ driver: sim, houseA: [1, -1, 1] }'), 'hal.gridMeter.houseA[1]: expected a number of amps 0-250 for every phase, or [L1, L2, L3], found -1'],
    ['two house loads', sim('{ driver: sim, houseA: [1, 2] }'), 'hal.gridMeter.houseA: expected a number of amps 0-250 for every phase, or [L1, L2, L3], found [1,2]'],
  ])('GIVEN %s WHEN parsed THEN one line names the key', (_what, text, line) => {
    expect(problems(text)).toEqual([line]);
  });
});
