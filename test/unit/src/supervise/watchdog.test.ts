// GIVEN a watchdog on simulated time and a recording notifier WHEN health changes THEN pings are sent
// every half period only while healthy, STATUS follows changes, and STOPPING=1 ends it.

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../hal/sim/index.js';
import { silentLogger } from '../../../../src/log.js';
import type { Health } from '../../../../src/supervise/health.js';
import { Watchdog } from '../../../../src/supervise/watchdog.js';

function setup(watchdogMs = 10_000) {
  const clock = new ManualClock();
  const sent: string[] = [];
  let health: Health = { ok: true };
  let summary = 'connector 1 Available; standalone';
  const wd = new Watchdog({
    notifier: { watchdogMs, send: (s) => void sent.push(s) },
    clock,
    log: silentLogger(),
    health: () => health,
    summary: () => summary,
  });
  return {
    wd,
    clock,
    sent,
    pings: () => sent.filter((s) => s === 'WATCHDOG=1').length,
    setHealth: (h: Health) => void (health = h),
    setSummary: (s: string) => void (summary = s),
  };
}

describe('Watchdog', () => {
  it('GIVEN WatchdogSec=10 WHEN ready THEN READY=1 with the status, then a ping every 5 s', () => {
    const t = setup();
    t.wd.ready();
    expect(t.sent[0]).toBe('READY=1\nSTATUS=connector 1 Available; standalone');
    const afterReady = t.pings();
    t.clock.advance(15_000);
    expect(t.pings() - afterReady).toBe(3);
  });

  it('GIVEN a running watchdog WHEN unhealthy THEN pings stop and STATUS says why; WHEN healthy again THEN they resume', () => {
    const t = setup();
    t.wd.ready();
    t.setHealth({ ok: false, reason: 'connector 1: pilot-io fault' });
    const before = t.pings();
    t.clock.advance(20_000);
    expect(t.pings()).toBe(before);
    expect(t.sent).toContain('STATUS=UNHEALTHY (connector 1: pilot-io fault); connector 1 Available; standalone');
    t.setHealth({ ok: true });
    t.clock.advance(5_000);
    expect(t.pings()).toBe(before + 1);
    expect(t.sent.at(-2)).toBe('STATUS=connector 1 Available; standalone');
  });

  it('GIVEN an unchanged summary WHEN refreshed THEN no STATUS is sent; WHEN it changes THEN exactly one', () => {
    const t = setup();
    t.wd.ready();
    const count = () => t.sent.filter((s) => s.startsWith('STATUS=')).length;
    t.wd.refresh();
    expect(count()).toBe(0);
    t.setSummary('connector 1 Charging 16 A;\nstandalone');
    t.wd.refresh();
    t.wd.refresh();
    expect(t.sent.filter((s) => s.startsWith('STATUS='))).toEqual(['STATUS=connector 1 Charging 16 A; standalone']);
  });

  it('GIVEN a running watchdog WHEN stopping THEN STOPPING=1 is sent once and pings end', () => {
    const t = setup();
    t.wd.ready();
    t.wd.stopping();
    t.wd.stopping();
    const pings = t.pings();
    t.clock.advance(30_000);
    expect(t.pings()).toBe(pings);
    expect(t.sent.filter((s) => s.startsWith('STOPPING=1'))).toHaveLength(1);
  });

  it('GIVEN no watchdog configured WHEN ready THEN only READY=1 is sent and nothing is scheduled', () => {
    const t = setup(0);
    t.wd.ready();
    t.clock.advance(60_000);
    expect(t.sent).toHaveLength(1);
    expect(t.sent[0]).toMatch(/^READY=1\n/);
  });
});
