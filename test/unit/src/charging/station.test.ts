// GIVEN the station budget with fake connectors on a manual clock WHEN a session starts beside one that was just
// turned down THEN the newcomer starts only with what the others no longer hold (site: the balancer's settling
// lowering; ChargePointMax: what the others offered in the last 10 s), never by pushing the total over the limit.

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../hal/sim/manual-clock.js';
import { SiteBalancer } from '../../../../src/charging/site-balancer.js';
import { StationBudget } from '../../../../src/charging/station.js';
import type { ConnectorRuntime } from '../../../../src/connector/runtime.js';
import { silentLogger } from '../../../../src/log.js';

type Fake = { id: number; context: { session: string; cp: string; appliedA: number }; poller: { last: null }; onReading(): void; onEvent(): void };
const fake = (id: number, session: string, appliedA = 0): Fake => ({
  id, context: { session, cp: appliedA > 0 ? 'pwm' : 'steady', appliedA }, poller: { last: null }, onReading: () => undefined, onEvent: () => undefined,
});

function rig(withSite: boolean) {
  const clock = new ManualClock();
  const conns = [fake(1, 'active', 32), fake(2, 'none')];
  const caps = new Map([[1, 32], [2, 32]]);
  const site = withSite ? new SiteBalancer({ limitA: 32, meter: 'none' }, clock) : null;
  const station = new StationBudget({
    clock, log: silentLogger(), connectors: conns as unknown as ConnectorRuntime[], site, gridMeter: null, meterIntervalMs: 2000,
    capA: (id) => caps.get(id)!, phases: () => 3, startedAt: () => 0, changed: () => undefined,
  });
  station.start();
  return { clock, conns, caps, station, site };
}

describe('StationBudget: what a new session may start with', () => {
  it('GIVEN connector 1 just lowered by the site balancer THEN connector 2 gets nothing until the lowering settled (10 s)', () => {
    const { clock, conns, caps, station, site } = rig(true);
    expect(station.share(null).get(1)).toEqual({ amps: 32, source: 'site' });
    expect(station.share(null).get(2)).toEqual({ amps: 0, source: 'site' });
    caps.set(1, 8); // e.g. a profile: connector 1 now takes 8 A
    site!.update([{ connectorId: 1, wantsPower: true, startedAt: 0, capA: 8 }, { connectorId: 2, wantsPower: false, startedAt: 0, capA: 32 }]);
    conns[0]!.context.appliedA = 8;
    expect(station.share(null).get(1)).toEqual({ amps: 8, source: 'site' });
    expect(station.share(null).get(2)!.amps).toBe(0); // its EV may still draw 32 A for up to 10 s
    clock.advance(10_000);
    expect(station.share(null).get(2)!.amps).toBe(24);
  });

  it('GIVEN a ChargePointMax of 32 A and connector 1 offering 32 A WHEN connector 2 starts THEN 1 lowers at once, 2 waits until 1 has offered less for 10 s', () => {
    const { clock, conns, station } = rig(false);
    expect(station.share(32).get(1)).toEqual({ amps: 32, source: 'charge-point-max' });
    expect(station.share(32).get(2)).toEqual({ amps: 0, source: 'charge-point-max' }); // idle: nothing free
    conns[1]!.context.session = 'active';
    expect(station.share(32).get(1)!.amps).toBe(16);
    expect(station.share(32).get(2)!.amps).toBe(0);
    conns[0]!.context.appliedA = 16; // the machine applied the lower duty; the EV may follow within 5 s
    clock.advance(5_000);
    expect(station.share(32).get(2)!.amps).toBe(0);
    clock.advance(5_000);
    expect(station.share(32).get(2)!.amps).toBe(16);
    expect(station.share(20).get(1)!.amps).toBe(10); // a lower cap: lowered at once
  });
});
