// GIVEN a refused card WHEN the driver looks at the wallbox or the status API
// THEN issue 5 item 2: the reason (Blocked, Expired, Invalid, ConcurrentTx, offline...) is a plain sentence
// and a distinct LED signal; StartTransaction.conf refusals stop or limit energy per the keys.

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../hal/sim/manual-clock.js';
import { SimIndicator } from '../../../../hal/sim/devices.js';
import type { IndicatorState } from '../../../../hal/types.js';
import { InvalidIdPolicy, INVALID_ID_LIMIT_A } from '../../../../src/auth/invalid-id.js';
import { REFUSAL_BLINKS, refuse, refusalSentence, type RefusalReason } from '../../../../src/auth/refusal.js';
import { CARD_REFUSED_LED, IndicatorDriver, refusalSignal, STATUS_LED } from '../../../../src/connector/indicator.js';
import { silentLogger } from '../../../../src/log.js';

describe('refusal sentences', () => {
  it.each([
    ['Blocked', 'Card 04A1B2C3 is blocked by the operator'],
    ['Expired', 'Card 04A1B2C3 has expired'],
    ['Invalid', 'Card 04A1B2C3 is not known'],
    ['ConcurrentTx', 'Card 04A1B2C3 is already charging at another connector'],
    ['OfflineUnknown', 'Card 04A1B2C3 cannot be checked: the CSMS cannot be reached and unknown cards are not allowed offline'],
  ] as Array<[RefusalReason, string]>)('%s -> %s', (reason, sentence) => {
    expect(refusalSentence(reason, '04A1B2C3')).toBe(sentence);
    expect(refuse('04A1B2C3', reason, 'csms')).toMatchObject({ accepted: false, reason, sentence });
  });

  it('GIVEN a charge-point refusal THEN its OCPP status is Invalid; CSMS statuses are kept', () => {
    expect(refuse('X', 'OfflineUnknown', 'policy').status).toBe('Invalid');
    expect(refuse('X', 'ConcurrentTx', 'csms').status).toBe('ConcurrentTx');
  });
});

/** Records every state the LED shows while the clock runs. */
function playAndRecord(play: (d: IndicatorDriver) => void, ms: number): IndicatorState[] {
  const clock = new ManualClock();
  const led = new SimIndicator();
  const seen: IndicatorState[] = [];
  const set = led.set.bind(led);
  led.set = (s) => {
    seen.push(s);
    set(s);
  };
  const d = new IndicatorDriver(led, clock);
  d.showStatus('Preparing');
  seen.length = 0;
  play(d);
  for (let t = 0; t < ms; t += 50) clock.advance(50);
  return seen;
}

describe('refusal LED signals', () => {
  it('GIVEN each CSMS reason THEN a distinct number of red flashes (Invalid 1, Blocked 2, Expired 3, ConcurrentTx 4)', () => {
    const reds = (r: RefusalReason) => refusalSignal(r).filter((s) => s.state.colour === 'red').length / 2; // played twice
    expect([reds('Invalid'), reds('Blocked'), reds('Expired'), reds('ConcurrentTx')]).toEqual([1, 2, 3, 4]);
    expect(refusalSignal('OfflineUnknown').some((s) => s.state.colour === 'yellow')).toBe(true);
    expect(refusalSignal('NoConnector')).toEqual([{ state: CARD_REFUSED_LED, ms: 3000 }]);
    const shapes = new Set(Object.entries(REFUSAL_BLINKS).filter(([, v]) => v !== 'fast-red').map(([, v]) => JSON.stringify(v)));
    expect(shapes.size).toBeGreaterThanOrEqual(5);
  });

  it('GIVEN a Blocked refusal WHEN played THEN the LED flashes red twice per round, then shows the status again', () => {
    const seen = playAndRecord((d) => d.refuse('Blocked'), 8000);
    expect(seen.filter((s) => s.colour === 'red')).toHaveLength(4);
    expect(seen.at(-1)).toEqual(STATUS_LED.Preparing);
  });

  it('GIVEN a refusal playing WHEN an accepted flash comes THEN it replaces the signal', () => {
    const seen = playAndRecord((d) => {
      d.refuse('Expired');
      d.flash({ colour: 'white', pattern: 'fast-blink' });
    }, 8000);
    expect(seen.filter((s) => s.colour === 'red')).toHaveLength(1); // only the first step before the flash
    expect(seen.at(-1)).toEqual(STATUS_LED.Preparing);
  });
});

function invalidIdRig(keys: { stop: boolean; maxWh: number }) {
  const state = { registerWh: 1000, tx: { localId: 7, meterStartWh: 1000 } as { localId: number; meterStartWh: number } | null };
  const calls: string[] = [];
  const policy = new InvalidIdPolicy({
    keys: { bool: () => keys.stop, int: () => keys.maxWh },
    current: () => state.tx,
    registerWh: () => state.registerWh,
    stopDeAuthorized: (id) => calls.push(`stop ${id}`),
    setLimit: (id, a) => calls.push(`limit ${id} ${a}`),
    log: silentLogger(),
  });
  return { policy, state, calls };
}

describe('StartTransaction.conf refuses the idTag (InvalidIdPolicy)', () => {
  it('GIVEN StopTransactionOnInvalidId=true THEN the session stops DeAuthorized, no limit', () => {
    const { policy, calls } = invalidIdRig({ stop: true, maxWh: 0 });
    policy.rejected(1, 7, 'Invalid');
    expect(calls).toEqual(['stop 1']);
  });

  it('GIVEN false and MaxEnergyOnInvalidId=0 THEN energy stops at once; the limit is lifted when the session ends', () => {
    const { policy, calls } = invalidIdRig({ stop: false, maxWh: 0 });
    policy.rejected(1, 7, 'Blocked');
    expect(calls).toEqual([`limit 1 ${INVALID_ID_LIMIT_A}`]);
    policy.sessionEnded(1);
    expect(calls).toEqual([`limit 1 ${INVALID_ID_LIMIT_A}`, 'limit 1 null']);
  });

  it('GIVEN false and MaxEnergyOnInvalidId=500 THEN energy stops once 500 Wh were delivered since the start', () => {
    const { policy, state, calls } = invalidIdRig({ stop: false, maxWh: 500 });
    state.registerWh = 1300;
    policy.rejected(1, 7, 'Invalid');
    expect(calls).toEqual([]);
    state.registerWh = 1499;
    policy.reading(1);
    expect(calls).toEqual([]);
    state.registerWh = 1500;
    policy.reading(1);
    policy.reading(1);
    expect(calls).toEqual([`limit 1 ${INVALID_ID_LIMIT_A}`]);
    expect(policy.suspended(1)).toBe(true);
  });

  it('GIVEN the refused transaction already ended (another one runs now) THEN nothing is stopped', () => {
    const { policy, state, calls } = invalidIdRig({ stop: true, maxWh: 0 });
    state.tx = { localId: 8, meterStartWh: 0 };
    policy.rejected(1, 7, 'Invalid');
    expect(calls).toEqual([]);
  });
});
