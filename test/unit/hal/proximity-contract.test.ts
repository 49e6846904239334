// The ProximityPilot contract (test/contracts/proximity.ts) run against the simulated socket and the Raspberry
// Pi PP driver over a fake MCP3008 (rpi-proximity-fake.ts): standalone with several pull-up dividers, and
// inside a whole Pi connector whose CP sampler shares the ADC.

import type { AdcConfig, ProximityHwConfig } from '../../../hal/config.js';
import { openCpAdc } from '../../../hal/rpi/adc.js';
import { RpiProximity } from '../../../hal/rpi/proximity.js';
import { createSimHal, ManualClock } from '../../../hal/sim/index.js';
import { describeProximityContract, type PpFarEnd, type ProximityRig } from '../../contracts/proximity.js';
import { FakeCpLine, fakeSpiDevice } from '../../helpers/fake-adc.js';
import { FakeSysfs } from '../../helpers/fake-sysfs.js';
import { createPpConnector, fakePp, ppSpi, RC_OHMS, type FakePp } from './rpi-proximity-fake.js';

// ----- sim -----------------------------------------------------------------------------------------------
describeProximityContract('sim socket', () => {
  const sim = createSimHal({ connectors: 1 }, new ManualClock());
  const board = sim.control.connector(1);
  const cable = (state: PpFarEnd): void => {
    board.setProximityShorted(state === 'short');
    if (state === 'short') return;
    if (state === 'none') {
      if (board.ev.plugged) board.unplug();
      return;
    }
    board.setCableRating(state);
    if (!board.ev.plugged) board.plug();
  };
  return { proximity: sim.connectors[0]!.proximity!, cable, dispose: () => sim.close() };
});

// ----- rpi -----------------------------------------------------------------------------------------------
const MCP: Extract<AdcConfig, { type: 'mcp3008' }> = { type: 'mcp3008', device: '/dev/spidev0.0', speedHz: 1_000_000, highChannel: 0, lowChannel: 1, vrefV: 3.3 };
const CAL = { high: { scale: 8.889, offset: -14.667 }, low: { scale: 8.889, offset: -14.667 } };

const farEnd = (pp: FakePp) => (state: PpFarEnd) => {
  pp.ohms = RC_OHMS[state];
};

async function standalone(cfg: ProximityHwConfig): Promise<ProximityRig> {
  const sysfs = new FakeSysfs();
  const pp = fakePp({ channel: cfg.channel, pullUpOhms: cfg.pullUpOhms, pullUpV: cfg.pullUpV ?? MCP.vrefV, vrefV: MCP.vrefV });
  const adc = await openCpAdc(MCP, 'pilot:1', { spi: ppSpi(fakeSpiDevice(new FakeCpLine(sysfs, { chip: 0, channel: 0 }), MCP, CAL), pp) });
  return {
    proximity: new RpiProximity(adc, MCP, cfg, 'proximity:1'),
    cable: farEnd(pp),
    async dispose() {
      adc.close();
      sysfs.dispose();
    },
  };
}

describeProximityContract('rpi, MCP3008, 1 kΩ pull-up to the ADC reference (default)', () => standalone({ channel: 2, pullUpOhms: 1000 }));
describeProximityContract('rpi, MCP3008, 330 Ω pull-up to 3.3 V', () => standalone({ channel: 7, pullUpOhms: 330, pullUpV: 3.3 }));
describeProximityContract('rpi, MCP3008, 4.7 kΩ pull-up to 2.5 V (vref 3.3 V)', () => standalone({ channel: 3, pullUpOhms: 4700, pullUpV: 2.5 }));

describeProximityContract('rpi connector, PP on channel 2 while the CP sampler runs on 0 and 1', async () => {
  const rig = await createPpConnector({ channel: 2, pullUpOhms: 1000 });
  const cable = farEnd(rig.pp);
  return {
    proximity: rig.connector.hal.proximity!,
    cable(state) {
      cable(state);
      rig.line.ev.plugged = state !== 'none';
      rig.clock.advance(60); // the sampler reads the CP three times meanwhile
    },
    dispose: rig.dispose,
  };
});
