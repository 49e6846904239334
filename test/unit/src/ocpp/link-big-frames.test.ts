// GIVEN frames over 256 KB from the strict loopback CSMS WHEN they reach the link THEN they are parsed and
// validated in a worker thread, the handler gets exactly what was sent, invalid or malformed big frames get the
// same errors as small ones, and frames behind a big one keep their order.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../../hal/clock.js';
import { silentLogger } from '../../../../src/log.js';
import { OcppLink } from '../../../../src/ocpp/link.js';
import { startCsms, type TestCsms } from '../../../helpers/csms.js';

function bigList(entries: number, badAt = -1): Record<string, unknown> {
  const localAuthorizationList = Array.from({ length: entries }, (_, i) => ({
    idTag: i === badAt ? 'X'.repeat(21) : `CARD${String(i).padStart(8, '0')}`,
    idTagInfo: { status: i % 7 === 0 ? 'Blocked' : 'Accepted', expiryDate: '2031-01-01T00:00:00.000Z', parentIdTag: 'FLEET-1' },
  }));
  return { listVersion: 12, updateType: 'Full', localAuthorizationList };
}

describe('big incoming frames', () => {
  let csms: TestCsms;
  let link: OcppLink;
  const got: Array<{ action: string; params: unknown }> = [];

  beforeEach(async () => {
    got.length = 0;
    csms = await startCsms();
    link = new OcppLink(
      { url: csms.url, identity: 'CP-BIG', securityProfile: 0, pingIntervalMs: 0, callTimeoutMs: 10_000 },
      { clock: systemClock, log: silentLogger() },
    );
    link.handle('SendLocalList', (params) => {
      got.push({ action: 'SendLocalList', params });
      return { status: 'Accepted' };
    });
    link.handle('GetLocalListVersion', (params) => {
      got.push({ action: 'GetLocalListVersion', params });
      return { listVersion: 12 };
    });
    link.start();
    await csms.waitForClient();
  });

  afterEach(async () => {
    await link.stop();
    await csms.close();
  });

  it('GIVEN a 6,000-entry SendLocalList THEN the handler gets it unchanged, parsed off the main thread', async () => {
    const params = bigList(6000);
    expect(JSON.stringify(params).length).toBeGreaterThan(256 * 1024);
    const answer = await csms.call('SendLocalList', params);
    expect(answer).toEqual({ status: 'Accepted' });
    expect(got).toEqual([{ action: 'SendLocalList', params }]);
    expect(link.offloadedFrames).toBe(1);
    expect(csms.validationFailures).toEqual([]);
  });

  it('GIVEN a small frame THEN it stays on the main thread', async () => {
    await csms.call('SendLocalList', bigList(3));
    expect(got).toHaveLength(1);
    expect(link.offloadedFrames).toBe(0);
  });

  it('GIVEN a big frame with one idTag over 20 characters THEN the CALLERROR is the one a small frame gets', async () => {
    const from = csms.frames.length;
    csms.client!.sendRaw(JSON.stringify([2, 'big-bad', 'SendLocalList', bigList(6000, 4321)]));
    csms.client!.sendRaw(JSON.stringify([2, 'small-bad', 'SendLocalList', bigList(3, 1)]));
    const errorOf = async (id: string): Promise<unknown[]> => {
      const f = await csms.waitForFrame((x) => !x.outbound && x.message.startsWith(`[4,"${id}"`), 10_000, from);
      return JSON.parse(f.message) as unknown[];
    };
    const big = await errorOf('big-bad');
    const small = await errorOf('small-bad');
    expect(big[2]).toBe('FormationViolation');
    expect(big[2]).toBe(small[2]);
    expect(String(big[3])).toMatch(/localAuthorizationList\/4321\/idTag/);
    expect(got).toEqual([]);
    expect(link.offloadedFrames).toBe(0);
  });

  it('GIVEN a big frame that is not JSON THEN it is answered as a malformed frame and the link stays up', async () => {
    const from = csms.frames.length;
    csms.client!.sendRaw(`[2,"broken","SendLocalList",{"listVersion":1,${' '.repeat(300_000)}`);
    const f = await csms.waitForFrame((x) => !x.outbound && x.message.startsWith('[4,'), 10_000, from);
    expect(JSON.parse(f.message)[2]).toBe('FormationViolation');
    expect(await csms.call('GetLocalListVersion', {})).toEqual({ listVersion: 12 });
  });

  it('GIVEN a small call sent right behind a big one THEN the handlers run in the order sent', async () => {
    const from = csms.frames.length;
    csms.client!.sendRaw(JSON.stringify([2, 'first', 'SendLocalList', bigList(6000)]));
    csms.client!.sendRaw(JSON.stringify([2, 'second', 'GetLocalListVersion', {}]));
    await csms.waitForFrame((x) => !x.outbound && x.message.startsWith('[3,"second"'), 10_000, from);
    await csms.waitForFrame((x) => !x.outbound && x.message.startsWith('[3,"first"'), 10_000, from);
    expect(got.map((g) => g.action)).toEqual(['SendLocalList', 'GetLocalListVersion']);
    expect(link.offloadedFrames).toBe(1);
  });

  it('GIVEN the socket closes while a big frame is being parsed THEN it is dropped, not answered on the next socket', async () => {
    const first = csms.client!;
    first.sendRaw(JSON.stringify([2, 'before-close', 'SendLocalList', bigList(6000)]));
    await first.close({ code: 1001, reason: 'test' } as never);
    const from = csms.frames.length;
    await new Promise((r) => setTimeout(r, 200));
    await csms.waitForClient(20_000);
    expect(await csms.call('GetLocalListVersion', {})).toEqual({ listVersion: 12 });
    await new Promise((r) => setTimeout(r, 500));
    expect(csms.frames.slice(from).filter((f) => !f.outbound && f.message.includes('before-close'))).toEqual([]);
    expect(got.map((g) => g.action)).toEqual(['GetLocalListVersion']);
  }, 30_000);
});
