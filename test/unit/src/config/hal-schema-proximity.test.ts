// GIVEN configuration files with a proximity (PP) entry under hal.connectors[] WHEN parsed THEN a socket's PP on
// a spare MCP3008 channel is accepted with its defaults (channel 2, 1 kΩ pull-up to the ADC reference), and
// each mistake is refused with one line naming the key: a PP on a tethered connector, on an ADS1115, above the
// ADC reference, on a channel the CP or another connector's PP already uses, or out of range.

import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../src/config/load.js';
import { configProblems } from '../../../helpers/config-problems.js';

const SOCKET = `
    - pilot: { adc: { type: mcp3008 }, enable: 24, peakReset: 26 }
      contactor: { coil: 17, mirror: 27 }
      rcd: { trip: 22, test: 23 }
      lock: { motorA: 5, motorB: 6, feedback: 13 }
      PP`;
const TETHERED = `
    - pilot: { pwm: { channel: 1 }, adc: { type: mcp3008, highChannel: 4, lowChannel: 5 } }
      contactor: { coil: 4, mirror: 12 }
      rcd: { trip: 7 }
      PP`;

function yaml(socketPp: string, tetheredPp = ''): string {
  return `
connectors: [{ id: 1 }, { id: 2, tethered: true }]
hal:
  driver: rpi
  connectors:${SOCKET.replace('PP', socketPp)}${TETHERED.replace('PP', tetheredPp)}
`;
}

const problems = configProblems;

describe('hal.connectors[].proximity', () => {
  it('GIVEN an empty proximity entry on a socket WHEN parsed THEN channel 2 and a 1 kΩ pull-up to the ADC reference are filled in; no entry stays absent', () => {
    const config = parseConfig(yaml('proximity: {}'), 'config.yaml');
    expect(config.hal.connectors[0]!.proximity).toEqual({ channel: 2, pullUpOhms: 1000 });
    expect(config.hal.connectors[1]!.proximity).toBeUndefined();
  });

  it('GIVEN an explicit channel, pull-up and supply WHEN parsed THEN they are kept', () => {
    const config = parseConfig(yaml('proximity: { channel: 7, pullUpOhms: 330, pullUpV: 3.3 }'), 'config.yaml');
    expect(config.hal.connectors[0]!.proximity).toEqual({ channel: 7, pullUpOhms: 330, pullUpV: 3.3 });
  });

  it('GIVEN a proximity entry on the tethered connector WHEN parsed THEN it is refused: a tethered cable has no PP', () => {
    expect(problems(yaml('', 'proximity: { channel: 6 }'))).toEqual([
      'hal.connectors[1].proximity: a tethered cable has no PP to read (this connector has no lock entry); expected no proximity entry on a tethered connector, found {"channel":6}',
    ]);
  });

  it('GIVEN a socket whose pilot ADC is an ADS1115 WHEN a PP is configured THEN it is refused with the reason', () => {
    const text = yaml('proximity: {}').replace('adc: { type: mcp3008 }', 'adc: { type: ads1115 }');
    expect(problems(text)).toEqual([
      "hal.connectors[0].pilot.adc.type: the proximity entry reads the PP on this ADC, and an ADS1115's 2 ms conversions would interleave with the CP sampler's; expected mcp3008 (or no proximity entry), found \"ads1115\"",
    ]);
  });

  it('GIVEN a pull-up to 5 V on a 3.3 V ADC WHEN parsed THEN it is refused: an open PP would read as a cable', () => {
    expect(problems(yaml('proximity: { pullUpV: 5 }'))).toEqual([
      "hal.connectors[0].proximity.pullUpV: above the ADC's vrefV 3.3 V: an open PP would saturate the ADC and read as a cable; expected at most 3.3, found 5",
    ]);
  });

  it('GIVEN the PP on a CP channel or on the channel of another connector on the same ADC WHEN parsed THEN the second use is refused', () => {
    expect(problems(yaml('proximity: { channel: 1 }'))).toEqual([
      'hal.connectors[0].proximity.channel: already used by hal.connectors[0].pilot.adc.lowChannel; expected a channel of its own for every connector, found 1',
    ]);
    expect(problems(yaml('proximity: { channel: 4 }'))).toEqual([
      'hal.connectors[1].pilot.adc.highChannel: already used by hal.connectors[0].proximity.channel; expected a channel of its own for every connector, found 4',
    ]);
  });

  it('GIVEN the same channel number on another SPI device WHEN parsed THEN it is accepted', () => {
    const text = yaml('proximity: { channel: 4 }').replace('adc: { type: mcp3008, highChannel: 4', 'adc: { type: mcp3008, device: /dev/spidev0.1, highChannel: 4');
    expect(problems(text)).toEqual([]);
  });

  it.each([
    ['pullUpOhms: 50', 'hal.connectors[0].proximity.pullUpOhms: expected a number of ohms between 100 and 10000'],
    ['channel: 8', 'hal.connectors[0].proximity.channel: expected an integer between 0 and 7'],
    ['pullUpV: 0', 'hal.connectors[0].proximity.pullUpV: expected a positive number of volts'],
    ['pullUpOhm: 1000', 'hal.connectors[0].proximity.pullUpOhm: unknown key'],
  ])('GIVEN proximity { %s } WHEN parsed THEN it is refused naming the key', (entry, message) => {
    const found = problems(yaml(`proximity: { ${entry} }`));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(message);
  });

  it('GIVEN the simulated board WHEN a proximity entry is present THEN the hardware cross-checks do not run', () => {
    const text = yaml('', 'proximity: { channel: 6 }').replace('driver: rpi', 'driver: sim');
    expect(problems(text)).toEqual([]);
  });
});
