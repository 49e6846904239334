// The two processes an OCPP process test runs: a strict loopback CSMS and the controller. usePeers() gives
// a holder the test fills in, and stops both after each test (controller first, then the CSMS).
// Must not: start anything itself (each test decides how).

import { afterEach } from 'vitest';
import type { TestCsms } from './csms.js';
import type { Controller } from './process.js';

export interface Peers {
  csms: TestCsms | undefined;
  ctl: Controller | undefined;
}

export function usePeers(): Peers {
  const peers: Peers = { csms: undefined, ctl: undefined };
  afterEach(async () => {
    await peers.ctl?.stop();
    await peers.csms?.close();
    peers.ctl = undefined;
    peers.csms = undefined;
  });
  return peers;
}
