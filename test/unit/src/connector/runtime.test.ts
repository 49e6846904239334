// GIVEN the connector runtime on the simulated board WHEN a HAL output throws THEN the machine keeps
// running, the contactor is commanded open and a blocking hal-output fault is raised.

import { describe, expect, it } from 'vitest';
import { createRig } from '../../../helpers/rig.js';

describe('connector runtime: HAL output failures', () => {
  it('GIVEN a pilot driver that fails to start PWM WHEN a session starts THEN hal-output is raised, status Faulted, contactor open', async () => {
    const rig = createRig();
    const b = rig.board();
    const real = b.pilot.setOutput.bind(b.pilot);
    b.pilot.setOutput = (out) => {
      if (out.mode === 'pwm') throw new Error('sysfs write failed: EIO');
      real(out);
    };
    b.plug();
    await rig.advance(500);
    rig.c().authorize('04A1B2C3');
    await rig.advance(500);
    expect(rig.faults.list(1).map((f) => [f.name, f.errorCode])).toEqual([['hal-output', 'InternalError']]);
    expect(rig.c().status).toBe('Faulted');
    expect(b.contactor.commandedClosed).toBe(false);
    expect(rig.c().machine.getSnapshot().status).toBe('active');
    b.unplug();
    await rig.advance(500);
    expect(rig.c().context.pilot).toBe('A'); // still interpreting events
    rig.stop();
  });
});
