// GIVEN the environment systemd sets (or not) WHEN the notifier opens THEN it is off, on, or explains
// which package is missing; with a watchdog requested a missing package is fatal (systemd restarts us).

import { describe, expect, it } from 'vitest';
import { loadSdNotify, NOTIFY_PACKAGE_HINT, NotifyUnavailableError, openNotifier, type SdNotifyBinding } from '../../../../src/supervise/notify.js';

const failing = async (): Promise<SdNotifyBinding> => {
  throw new Error("Cannot find module 'sd-notify'");
};

describe('openNotifier', () => {
  it('GIVEN no NOTIFY_SOCKET WHEN opened THEN it is off and the package is never loaded', async () => {
    let loaded = false;
    const result = await openNotifier({}, async () => {
      loaded = true;
      return { sendState: () => undefined, watchdogInterval: () => 0 };
    });
    expect(result).toEqual({ kind: 'off' });
    expect(loaded).toBe(false);
  });

  it('GIVEN NOTIFY_SOCKET and WATCHDOG_USEC WHEN sd-notify cannot load THEN it throws with the install hint', async () => {
    const opening = openNotifier({ NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '10000000' }, failing);
    await expect(opening).rejects.toBeInstanceOf(NotifyUnavailableError);
    await expect(opening).rejects.toThrow(NOTIFY_PACKAGE_HINT);
    await expect(opening).rejects.toThrow("Cannot find module 'sd-notify'");
  });

  it('GIVEN NOTIFY_SOCKET without a watchdog WHEN sd-notify cannot load THEN it is unavailable with the hint (not fatal)', async () => {
    const result = await openNotifier({ NOTIFY_SOCKET: '/run/x' }, failing);
    expect(result.kind).toBe('unavailable');
    expect(result.kind === 'unavailable' && result.message).toContain('apt install libsystemd-dev, then npm install sd-notify');
  });

  it('GIVEN a binding WHEN opened THEN watchdogMs comes from it and send() passes the state through', async () => {
    const sent: string[] = [];
    const result = await openNotifier({ NOTIFY_SOCKET: '/run/x' }, async () => ({ sendState: (s) => void sent.push(s), watchdogInterval: () => 10_000 }));
    if (result.kind !== 'on') throw new Error(`expected on, got ${result.kind}`);
    expect(result.notifier.watchdogMs).toBe(10_000);
    result.notifier.send('READY=1');
    expect(sent).toEqual(['READY=1']);
  });

  it('GIVEN the installed sd-notify package WHEN loaded THEN it offers sendState and watchdogInterval', async () => {
    const binding = await loadSdNotify();
    expect(typeof binding.sendState).toBe('function');
    expect(typeof binding.watchdogInterval()).toBe('number');
  });
});
