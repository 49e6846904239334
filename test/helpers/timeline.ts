// Test helpers on top of the rig: a timeline of what the controller drove (CP output, contactor commands)
// and what the line showed (pilot samples), stamped with simulated time; and scenario steps that bring a
// connector into a given state. Must not: assert anything (tests do); a step that cannot reach its state
// throws with what it saw instead.

import type { PilotOutput, PilotSample } from '../../hal/types.js';
import type { Rig } from './rig.js';

export interface Timeline {
  cp: Array<{ at: number; output: PilotOutput }>;
  contactor: Array<{ at: number; closed: boolean }>;
  samples: Array<{ at: number; sample: PilotSample }>;
}

/** Records every CP output and contactor command the controller drives from now on, with sim time. */
export function watch(rig: Rig, id = 1): Timeline {
  const board = rig.board(id);
  const t: Timeline = { cp: [], contactor: [], samples: [] };
  const setOutput = board.pilot.setOutput.bind(board.pilot);
  board.pilot.setOutput = (output) => {
    t.cp.push({ at: rig.clock.now(), output });
    setOutput(output);
  };
  const close = board.contactor.close.bind(board.contactor);
  board.contactor.close = () => {
    t.contactor.push({ at: rig.clock.now(), closed: true });
    close();
  };
  const open = board.contactor.open.bind(board.contactor);
  board.contactor.open = () => {
    t.contactor.push({ at: rig.clock.now(), closed: false });
    open();
  };
  board.pilot.samples.on((sample) => t.samples.push({ at: rig.clock.now(), sample }));
  return t;
}

/** CP modes driven since `from` (sim ms), with their time relative to `from`. */
export function cpSince(t: Timeline, from: number): Array<{ dt: number; mode: PilotOutput['mode']; duty?: number }> {
  return t.cp
    .filter((e) => e.at >= from)
    .map((e) => ({ dt: e.at - from, mode: e.output.mode, ...(e.output.mode === 'pwm' ? { duty: e.output.dutyPercent } : {}) }));
}

function expectState(rig: Rig, what: string, ok: boolean, id = 1): void {
  if (ok) return;
  const c = rig.c(id).context;
  throw new Error(`could not reach ${what}: status ${c.status}, cp ${c.cp}, pilot ${c.pilot}, contactor ${c.contactorCmd}`);
}

/** Plugs the EV in and waits out the plug debounce. */
export async function plugIn(rig: Rig, id = 1): Promise<void> {
  rig.board(id).plug();
  await rig.advance(300);
  expectState(rig, 'plugged', rig.c(id).context.pilot === 'B', id);
}

/** Plugged and authorized: PWM on (after the lock reported), EV in B. */
export async function suspendedEv(rig: Rig, id = 1, idTag = '04A1B2C3'): Promise<void> {
  await plugIn(rig, id);
  rig.c(id).authorize(idTag);
  await rig.advance(300);
  expectState(rig, 'SuspendedEV with PWM', rig.c(id).status === 'SuspendedEV' && rig.c(id).context.cp === 'pwm', id);
}

/** A session charging: EV in C, contactor closed, contacts closed. */
export async function charging(rig: Rig, id = 1, idTag = '04A1B2C3'): Promise<void> {
  await suspendedEv(rig, id, idTag);
  rig.board(id).request('charge');
  await rig.advance(600);
  expectState(rig, 'Charging', rig.c(id).status === 'Charging' && rig.board(id).physical.contactsClosed, id);
}
