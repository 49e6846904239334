// GIVEN the real controller process, accepted by a strict CSMS on loopback
// WHEN the CSMS sends malformed OCPP-J frames (raw, bypassing its own validation)
// THEN the charge point answers CALLs and undecodable frames with OCPP 1.6 error codes only (OCPP-J 4.2.3,
// never ocpp-rpc's 2.0.1 codes RpcFrameworkError / MessageTypeNotSupported), answers nothing to stray
// CALLRESULT/CALLERROR frames, and keeps the connection: a TriggerMessage afterwards still works.

import { describe, expect, it } from 'vitest';
import { startCsms, type TestCsms } from '../helpers/csms.js';
import { usePeers } from '../helpers/peers.js';
import { ocppConfig, startController } from '../helpers/process.js';

/** OCPP-J 1.6 section 4.2.3 (with the 1.6 spelling "OccurenceConstraintViolation"). */
const OCPP16_ERROR_CODES = [
  'NotImplemented', 'NotSupported', 'InternalError', 'ProtocolError', 'SecurityError', 'FormationViolation',
  'PropertyConstraintViolation', 'OccurenceConstraintViolation', 'TypeConstraintViolation', 'GenericError',
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const peers = usePeers();

async function accepted(): Promise<TestCsms> {
  const s = (peers.csms = await startCsms());
  peers.ctl = await startController(ocppConfig(s.url));
  await s.waitFor('StatusNotification', (p) => p.connectorId === 1 && p.status === 'Available');
  await sleep(300); // let the boot-time StatusNotifications settle so the next frame from the CP is a reply
  return s;
}

/** Sends `raw` and resolves the next CALLRESULT/CALLERROR frame from the charge point. */
async function replyTo(s: TestCsms, raw: string): Promise<unknown[]> {
  const mark = s.frames.length;
  s.client!.sendRaw(raw);
  const f = await s.waitForFrame((fr) => !fr.outbound && /^\s*\[\s*[34]\s*,/.test(fr.message), 5000, mark);
  return JSON.parse(f.message) as unknown[];
}

async function stillWorks(s: TestCsms): Promise<void> {
  const mark = s.received.length;
  expect(await s.call('TriggerMessage', { requestedMessage: 'Heartbeat' }, { callTimeoutMs: 5000 })).toEqual({ status: 'Accepted' });
  await s.waitFor('Heartbeat', undefined, 5000, mark);
}

describe('OCPP-J malformed frames from the CSMS', () => {
  it('undecodable frames: CALLERROR with an OCPP 1.6 code, and the connection stays up', async () => {
    const s = await accepted();
    const cases: Array<[string, string, string[]]> = [
      ['not JSON', '[2, "a1", "Heartbeat", {', ['FormationViolation', 'ProtocolError']],
      ['not an array', '{"messageTypeId": 2, "id": "a2"}', ['FormationViolation', 'ProtocolError']],
      ['message type 9', '[9, "a3", "Heartbeat", {}]', ['NotSupported', 'ProtocolError', 'FormationViolation']],
      ['message type not a number', '["2", "a4", "Heartbeat", {}]', ['FormationViolation', 'ProtocolError']],
      ['message id not a string', '[2, 12345, "Reset", {"type": "Soft"}]', ['FormationViolation', 'ProtocolError']],
      ['action not a string', '[2, "a6", 42, {}]', ['FormationViolation', 'ProtocolError']],
    ];
    for (const [what, raw, codes] of cases) {
      const reply = await replyTo(s, raw);
      expect(reply[0], what).toBe(4);
      expect(OCPP16_ERROR_CODES, `${what}: ${String(reply[2])}`).toContain(reply[2]);
      expect(codes, `${what}: ${String(reply[2])}`).toContain(reply[2]);
      expect(typeof reply[1], what).toBe('string');
      expect(typeof reply[3], what).toBe('string');
      expect(reply[4], what).toBeTypeOf('object');
    }
    await stillWorks(s);
    expect(peers.ctl!.proc.exitCode).toBeNull(); // the Reset with a numeric message id was not executed
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('CALLs with schema-invalid payloads: the matching constraint violation, the handler does not run', async () => {
    const s = await accepted();
    const cases: Array<[string, unknown[], string]> = [
      ['connectorId of the wrong type', [2, 'b1', 'ChangeAvailability', { connectorId: 'x', type: 'Inoperative' }], 'TypeConstraintViolation'],
      ['required field missing', [2, 'b2', 'ChangeAvailability', { connectorId: 1 }], 'OccurenceConstraintViolation'],
      ['enum value not allowed', [2, 'b3', 'ChangeAvailability', { connectorId: 1, type: 'Broken' }], 'PropertyConstraintViolation'],
      ['additional property', [2, 'b4', 'ClearCache', { everything: true }], 'PropertyConstraintViolation'],
      ['string too long', [2, 'b5', 'RemoteStartTransaction', { idTag: 'X'.repeat(21) }], 'FormationViolation'],
    ];
    for (const [what, frame, code] of cases) {
      const reply = await replyTo(s, JSON.stringify(frame));
      expect(reply.slice(0, 2), what).toEqual([4, frame[1]]);
      expect(OCPP16_ERROR_CODES, `${what}: ${String(reply[2])}`).toContain(reply[2]);
      // PropertyConstraintViolation and TypeConstraintViolation are close cousins; accept either for enums.
      if (what === 'enum value not allowed') expect(['PropertyConstraintViolation', 'TypeConstraintViolation', 'FormationViolation']).toContain(reply[2]);
      else expect(reply[2], what).toBe(code);
    }
    await stillWorks(s);
    // None of the invalid ChangeAvailability calls took effect.
    expect(s.received.filter((r) => r.action === 'StatusNotification' && r.params.status === 'Unavailable')).toEqual([]);
    expect(s.count('StartTransaction')).toBe(0);
    expect(s.validationFailures).toEqual([]);
  }, 30_000);

  it('stray CALLRESULT / CALLERROR frames (unknown message ids): no reply, connection kept', async () => {
    const s = await accepted();
    const mark = s.frames.length;
    s.client!.sendRaw(JSON.stringify([3, 'no-such-call', {}]));
    s.client!.sendRaw(JSON.stringify([4, 'no-such-call-2', 'GenericError', '', {}]));
    await sleep(500);
    expect(s.frames.slice(mark).filter((f) => !f.outbound)).toEqual([]);
    await stillWorks(s);
    expect(s.validationFailures).toEqual([]);
  }, 30_000);
});
