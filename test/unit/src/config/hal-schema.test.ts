// GIVEN configuration files for real hardware (hal.driver: rpi) WHEN parsed THEN a complete, consistent
// pin map is accepted with its defaults, and every wiring mistake an installer can make is refused with one
// line naming the key: a pin used twice (including bus pins), a missing required pin or lock, a pilot PWM
// or ADC channel shared by two connectors, a meter on a missing bus or at a taken address, two buses on
// one serial port, and a pilot sample interval too slow for the 100 ms detection rule.

import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../src/config/load.js';
import { configProblems } from '../../../helpers/config-problems.js';

const CONNECTOR_1 = `
    - pilot: { adc: { type: ads1115 }, enable: 24, peakReset: 26 }
      contactor: { coil: 17, mirror: 27 }
      rcd: { trip: 22, test: 23 }
      lock: { motorA: 5, motorB: 6, feedback: 13 }
      led: { red: 16, green: 20, blue: 21 }
      meter: { driver: modbus, bus: rs485, model: sdm630, address: 1 }`;
const CONNECTOR_2 = `
    - pilot: { pwm: { channel: 1 }, adc: { type: ads1115, address: 0x49 } }
      contactor: { coil: 4, mirror: 12 }
      rcd: { trip: 7 }
      meter: { driver: modbus, bus: rs485, model: sdm630, address: 2 }`;

function yaml(connectors: string, extra = '', list = '[{ id: 1 }, { id: 2, tethered: true }]'): string {
  return `
connectors: ${list}
hal:
  driver: rpi
  modbus: [{ id: rs485, port: /dev/ttyUSB0 }]${extra}
  connectors:${connectors}
`;
}

const problems = configProblems;

describe('hal section for real hardware', () => {
  it('GIVEN the default wiring for two connectors WHEN parsed THEN it is accepted and defaults are filled in', () => {
    const config = parseConfig(yaml(CONNECTOR_1 + CONNECTOR_2, '\n  rfid: { driver: mfrc522 }'), 'config.yaml');
    const [one, two] = config.hal.connectors;
    expect(one!.contactor.coil).toEqual({ pin: 17, activeLow: false });
    expect(one!.contactor.mirror).toEqual({ pin: 27, activeLow: true });
    expect(one!.pilot.pwm).toEqual({ sysfsRoot: '/sys/class/pwm', chip: 0, channel: 0 });
    expect(one!.pilot.sampleIntervalMs).toBe(20);
    expect(two!.temperature).toEqual({ driver: 'cpu', path: '/sys/class/thermal/thermal_zone0/temp' });
    expect(config.hal.modbus[0]).toMatchObject({ baud: 9600, parity: 'none', stopBits: 1 });
    expect(config.hal.rfid).toEqual({ driver: 'mfrc522', pollMs: 300, holdOffMs: 3000 });
  });

  it('GIVEN one GPIO used by two functions WHEN parsed THEN the second use names the first', () => {
    expect(problems(yaml(CONNECTOR_1.replace('feedback: 13', 'feedback: 17') + CONNECTOR_2))).toEqual([
      'hal.connectors[0].lock.feedback: GPIO17 is already used by hal.connectors[0].contactor.coil; expected a GPIO that no other function uses, found 17',
    ]);
    expect(problems(yaml(CONNECTOR_1 + CONNECTOR_2.replace('coil: 4', 'coil: 16')))).toEqual([
      'hal.connectors[1].contactor.coil: GPIO16 is already used by hal.connectors[0].led.red; expected a GPIO that no other function uses, found 16',
    ]);
  });

  it('GIVEN a GPIO on the hardware PWM, I2C or MFRC522 pins WHEN parsed THEN it is refused', () => {
    expect(problems(yaml(CONNECTOR_1.replace('coil: 17', 'coil: 18') + CONNECTOR_2))[0]).toMatch(/GPIO18 is already used by|already used by hal\.connectors\[0\]\.contactor\.coil/);
    expect(problems(yaml(CONNECTOR_1.replace('coil: 17', 'coil: 2') + CONNECTOR_2))[0]).toMatch(/GPIO2 /);
    expect(problems(yaml(CONNECTOR_1.replace('enable: 24', 'enable: 25') + CONNECTOR_2, '\n  rfid: { driver: mfrc522 }'))[0]).toMatch(
      /GPIO25 is already used by hal\.rfid \(MFRC522 RST\)/,
    );
  });

  it('GIVEN a required pin or the lock of a socket missing WHEN parsed THEN each is named', () => {
    const noCoil = problems(yaml(CONNECTOR_1.replace('contactor: { coil: 17, mirror: 27 }', 'contactor: { mirror: 27 }') + CONNECTOR_2));
    expect(noCoil).toHaveLength(1);
    expect(noCoil[0]).toMatch(/^hal\.connectors\[0\]\.contactor\.coil: expected a BCM GPIO number/);
    const noTrip = problems(yaml(CONNECTOR_1 + CONNECTOR_2.replace('rcd: { trip: 7 }', 'rcd: {}')));
    expect(noTrip[0]).toMatch(/^hal\.connectors\[1\]\.rcd\.trip: /);
    expect(problems(yaml(CONNECTOR_1.replace('lock: { motorA: 5, motorB: 6, feedback: 13 }', '') + CONNECTOR_2))).toEqual([
      'hal.connectors[0].lock: required for a socket (connectors[].tethered: false); expected lock: { motorA, motorB, feedback }, found nothing',
    ]);
    expect(problems(yaml(CONNECTOR_1))[0]).toMatch(/^hal\.connectors: one hardware entry per connector; expected 2 entries/);
  });

  it('GIVEN two connectors on one pilot PWM or ADC channel WHEN parsed THEN the second is refused', () => {
    expect(problems(yaml(CONNECTOR_1 + CONNECTOR_2.replace('pwm: { channel: 1 }', 'pwm: { channel: 0 }')))).toEqual([
      'hal.connectors[1].pilot.pwm.channel: already used by hal.connectors[0].pilot.pwm; expected a channel of its own for every connector, found 0',
    ]);
    const sameAdc = problems(yaml(CONNECTOR_1 + CONNECTOR_2.replace('address: 0x49', 'address: 0x48')));
    expect(sameAdc).toEqual([
      'hal.connectors[1].pilot.adc.highChannel: already used by hal.connectors[0].pilot.adc.highChannel; expected a channel of its own for every connector, found "i2c-1@0x48 channel 0" (default)',
      'hal.connectors[1].pilot.adc.lowChannel: already used by hal.connectors[0].pilot.adc.lowChannel; expected a channel of its own for every connector, found "i2c-1@0x48 channel 1" (default)',
    ]);
    expect(problems(yaml(CONNECTOR_1.replace('adc: { type: ads1115 }', 'adc: { type: ads1115, lowChannel: 0 }') + CONNECTOR_2))).toEqual([
      'hal.connectors[0].pilot.adc.lowChannel: the negative peak needs its own ADC channel; expected a channel other than highChannel 0, found 0',
    ]);
  });

  it('GIVEN meter and bus mistakes WHEN parsed THEN each is named', () => {
    expect(problems(yaml(CONNECTOR_1 + CONNECTOR_2.replace('address: 2 }', 'address: 1 }')))).toEqual([
      'hal.connectors[1].meter.address: the meter of hal.connectors[0] already has this address on bus rs485; expected one meter per connector: a unique address on the bus, found 1',
    ]);
    expect(problems(yaml(CONNECTOR_1 + CONNECTOR_2.replace('bus: rs485', 'bus: rs232')))[0]).toBe(
      'hal.connectors[1].meter.bus: no such bus; expected one of the hal.modbus ids (rs485), found "rs232"',
    );
    const twoOnOnePort = yaml(CONNECTOR_1 + CONNECTOR_2, '').replace(
      'modbus: [{ id: rs485, port: /dev/ttyUSB0 }]',
      'modbus: [{ id: rs485, port: /dev/ttyUSB0 }, { id: other, port: /dev/ttyUSB0 }]',
    );
    expect(problems(twoOnOnePort)).toEqual([
      'hal.modbus[1].port: port already used by hal.modbus[0]; expected one bus per serial port (several meters share a bus by address), found "/dev/ttyUSB0"',
    ]);
  });

  it('GIVEN a pilot sample interval above 25 ms WHEN parsed THEN it is refused (100 ms detection rule)', () => {
    expect(problems(yaml(CONNECTOR_1.replace('enable: 24', 'enable: 24, sampleIntervalMs: 50') + CONNECTOR_2))).toEqual([
      'hal.connectors[0].pilot.sampleIntervalMs: expected an integer between 5 and 25, found 50',
    ]);
  });

  it('GIVEN an ADS1115 pilot sampled every 21 ms WHEN parsed THEN it is refused with the detection time it would give; 20 ms passes', () => {
    expect(problems(yaml(CONNECTOR_1.replace('enable: 24', 'enable: 24, sampleIntervalMs: 21') + CONNECTOR_2))).toEqual([
      'hal.connectors[0].pilot.sampleIntervalMs: with an ads1115 a CP change would take up to 104 ms to detect (limit 100 ms); expected at most 20, found 21',
    ]);
    expect(problems(yaml(CONNECTOR_1.replace('enable: 24', 'enable: 24, sampleIntervalMs: 20') + CONNECTOR_2))).toEqual([]);
  });

  it('GIVEN an MCP3008 pilot sampled every 25 ms WHEN parsed THEN it is accepted (no conversion time)', () => {
    const mcp = CONNECTOR_1.replace('adc: { type: ads1115 }', 'adc: { type: mcp3008 }').replace('enable: 24', 'enable: 24, sampleIntervalMs: 25');
    expect(problems(yaml(mcp + CONNECTOR_2))).toEqual([]);
  });

  it('GIVEN the simulated board WHEN hal.connectors is absent THEN nothing about pins is required', () => {
    expect(problems('hal: { driver: sim }\nconnectors: [{ id: 1 }, { id: 2 }]\n')).toEqual([]);
  });
});
