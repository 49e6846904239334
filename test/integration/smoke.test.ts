import { describe, expect, it } from 'vitest';
import { createRig } from '../helpers/rig.js';

describe('smoke', () => {
  it('charges', async () => {
    const rig = createRig();
    await rig.advance(100);
    const b = rig.board();
    b.plug();
    await rig.advance(1000);
    rig.c().authorize('04A1B2C3');
    await rig.advance(1000);
    b.request('charge');
    await rig.advance(2000);
    console.log(rig.statuses(), rig.c().context.contactorCmd, b.physical, rig.c().context.cp, rig.c().context.lockCmd, rig.c().context.lockFb, rig.c().context.diodeVerified);
    await rig.advance(10000);
    console.log(b.physical);
    b.request('pause');
    await rig.advance(1000);
    console.log(rig.statuses(), b.physical, rig.events.map(e=>e.type));
    rig.stop();
    expect(1).toBe(1);
  });
});
