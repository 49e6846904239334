// systemd notification (sd_notify): READY=1, WATCHDOG=1, STATUS=, STOPPING=1 over $NOTIFY_SOCKET.
// Owns: loading the optional native package sd-notify (lazily, only when systemd asked for notifications)
// and what happens when it cannot be loaded. Must not: decide when to ping (watchdog.ts does) or exit the
// process (it throws; main decides).
//
// Node has no Unix datagram sockets (REFERENCE.md 7), and spawning systemd-notify is racy, so the native
// sd-notify binding (libsystemd's sd_notify) is the transport.

/** The part of the sd-notify package this module uses. */
export interface SdNotifyBinding {
  /** sd_notify(0, state): one datagram with newline-separated assignments. */
  sendState(state: string): void;
  /** sd_watchdog_enabled: the watchdog period in ms, 0 when systemd set none (or it is for another pid). */
  watchdogInterval(): number;
}

export interface Notifier {
  /** The watchdog period systemd expects pings within (WatchdogSec), ms; 0 = no watchdog. */
  readonly watchdogMs: number;
  send(state: string): void;
}

export const NOTIFY_PACKAGE_HINT = 'systemd notify needs package sd-notify (apt install libsystemd-dev, then npm install sd-notify)';

/** systemd runs us with a watchdog but sd-notify cannot be loaded: exit so systemd restarts us and logs why. */
export class NotifyUnavailableError extends Error {
  override name = 'NotifyUnavailableError';
}

export type NotifierResult =
  | { kind: 'off' }
  | { kind: 'on'; notifier: Notifier }
  /** NOTIFY_SOCKET set, no watchdog, package missing: go on without notifications (the caller logs `message`). */
  | { kind: 'unavailable'; message: string };

export type Loader = () => Promise<SdNotifyBinding>;

/** Loads sd-notify through a specifier TypeScript does not resolve (the package ships no types). */
export const loadSdNotify: Loader = async () => {
  const name: string = 'sd-notify';
  const mod = (await import(name)) as { default?: SdNotifyBinding } & Partial<SdNotifyBinding>;
  const binding = (mod.default ?? mod) as Partial<SdNotifyBinding>;
  if (typeof binding.sendState !== 'function' || typeof binding.watchdogInterval !== 'function') {
    throw new Error('sd-notify loaded but has no sendState/watchdogInterval');
  }
  return binding as SdNotifyBinding;
};

/**
 * Without NOTIFY_SOCKET: off (not under systemd, or Type=simple). With it: the notifier, or, when the
 * package cannot be loaded, NotifyUnavailableError if WATCHDOG_USEC is set (without pings systemd would
 * kill us after WatchdogSec anyway; failing at once puts the reason in the journal), else 'unavailable'.
 */
export async function openNotifier(env: NodeJS.ProcessEnv = process.env, load: Loader = loadSdNotify): Promise<NotifierResult> {
  if (!env.NOTIFY_SOCKET) return { kind: 'off' };
  let binding: SdNotifyBinding;
  try {
    binding = await load();
  } catch (err) {
    const message = `${NOTIFY_PACKAGE_HINT}; loading it failed: ${oneLine(err)}`;
    if (env.WATCHDOG_USEC) throw new NotifyUnavailableError(message, { cause: err });
    return { kind: 'unavailable', message };
  }
  const watchdogMs = binding.watchdogInterval();
  return {
    kind: 'on',
    notifier: {
      watchdogMs: Number.isFinite(watchdogMs) && watchdogMs > 0 ? watchdogMs : 0,
      send: (state) => binding.sendState(state),
    },
  };
}

function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}
