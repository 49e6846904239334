// GIVEN the real controller process (simulated HAL, one 32 A socket, no CSMS)
// WHEN cables of different ratings are plugged in
// THEN the offered current never exceeds the cable's PP rating, the status API and `evse status` name the cable
// as the constraint, and a 32 A cable lets the configured maximum through.

import { describe, expect, it } from 'vitest';
import { usePeers } from '../helpers/peers.js';
import { SIM_CONFIG, startController, waitFor, type Controller } from '../helpers/process.js';

const peers = usePeers();
const conn = async (c: Controller) => (await c.get('/api/status')).body.connectors[0] as { status: string; offeredCurrentA: number; limit: { amps: number; source: string } };

async function chargeWithCable(c: Controller, ratingA: number): Promise<void> {
  expect((await c.post('/api/sim/connectors/1/cable', { ratingA })).status).toBe(200);
  await c.post('/api/sim/connectors/1/plug');
  await c.post('/api/sim/rfid', { uid: '04A1B2C3' });
  await c.post('/api/sim/connectors/1/ev', { request: 'charge' });
  await waitFor('charging', async () => (await conn(c)).status === 'Charging', 20_000);
}

describe('offered current and the cable rating (proximity pilot)', () => {
  it('GIVEN a 20 A cable THEN 20 A is offered and the cable is named; a 32 A cable then allows the full 32 A', async () => {
    const c = (peers.ctl = await startController(SIM_CONFIG));
    await chargeWithCable(c, 20);
    await waitFor('20 A offered', async () => (await conn(c)).offeredCurrentA === 20, 15_000);
    expect((await conn(c)).limit).toEqual({ amps: 20, source: 'cable', constraints: { cable: 20, 'connector-max': 32 } });

    await c.post('/api/sim/connectors/1/unplug');
    await waitFor('available', async () => (await conn(c)).status === 'Available');
    expect((await conn(c)).limit).toMatchObject({ amps: 32, source: 'connector-max' });
    await chargeWithCable(c, 32);
    await waitFor('32 A offered', async () => (await conn(c)).offeredCurrentA === 32, 15_000);
  }, 60_000);

  it('GIVEN a 13 A cable THEN the PWM never offered more than 13 A, not even before the PP was read', async () => {
    const c = (peers.ctl = await startController(SIM_CONFIG));
    await chargeWithCable(c, 13);
    await waitFor('13 A offered', async () => (await conn(c)).offeredCurrentA === 13, 15_000);
    const limits = c.logs.filter((l) => l.includes('"msg":"offered current limit"')).map((l) => JSON.parse(l) as { amps: number });
    const plugged = limits.slice(limits.findIndex((l) => l.amps === 13));
    expect(plugged.length).toBeGreaterThan(0);
    expect(Math.max(...plugged.map((l) => l.amps))).toBe(13);
  }, 60_000);
});
