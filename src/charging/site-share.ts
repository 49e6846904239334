// Site load balancing, pure part: splits a per-phase budget among connectors (equal share with water-filling,
// 6 A minimum, the connector that started last pauses first) and stages a new split so that no raise outruns a
// lowering the EV may not have followed yet. Must not: keep state, read a clock or do I/O (site-balancer.ts owns
// time, the meter and the hysteresis).

/** IEC 61851-1: below 6 A there is no PWM to offer (REFERENCE.md 1.2 / 2). */
export const MIN_CHARGE_A = 6;

/** A connector as the allocator sees it. */
export interface SiteConnector {
  connectorId: number;
  /** Session active and not finished; a paused (0 A) session still wants power. */
  wantsPower: boolean;
  /** Epoch ms the session started; a later start has lower priority (pauses first). */
  startedAt: number;
  /** The connector's own cap in A per phase: min of its other limits (config, cable, profiles, thermal). */
  capA: number;
}

export interface ShareInput {
  /** Amps per phase available to all chargers together. */
  budgetA: number;
  connectors: readonly SiteConnector[];
}

const EPS = 1e-6;

/** Floors to 0.1 A (so shares never sum above the budget); the epsilon keeps 5.9999999 at 6.0. */
export function floorTenth(a: number): number {
  return Math.floor(a * 10 + EPS) / 10;
}

/** Earlier start first; equal starts by lower connectorId (deterministic). */
export function byPriority(a: SiteConnector, b: SiteConnector): number {
  return a.startedAt - b.startedAt || a.connectorId - b.connectorId;
}

/** A connector that can take power at all: wants it and its own cap allows the 6 A minimum. */
function canCharge(c: SiteConnector): boolean {
  return c.wantsPower && Number.isFinite(c.capA) && c.capA >= MIN_CHARGE_A;
}

/** Water-filling: equal split, a connector capped below the level keeps its cap and the rest is split again. */
function waterFill(budgetA: number, kept: readonly SiteConnector[]): Map<number, number> {
  const out = new Map<number, number>();
  const byCap = [...kept].sort((a, b) => a.capA - b.capA || a.connectorId - b.connectorId);
  let remaining = budgetA;
  byCap.forEach((c, i) => {
    const level = remaining / (byCap.length - i);
    const give = Math.min(c.capA, level);
    remaining -= give;
    out.set(c.connectorId, floorTenth(give));
  });
  return out;
}

/**
 * Splits budgetA among the connectors. Returns every connector's amps; iteration order is priority order
 * (connectors that can charge, earliest start first, then the rest at 0). A connector given power gets >= 6 A;
 * when the budget cannot give 6 A to all that want power, the most recently started are paused (0 A) until the
 * rest get 6 A each. A connector that does not want power, or whose cap is below 6 A, gets 0 and no share.
 */
export function shareSite(input: ShareInput): Map<number, number> {
  const budget = Number.isFinite(input.budgetA) ? Math.max(0, input.budgetA) : 0;
  const wanting = input.connectors.filter(canCharge).sort(byPriority);
  const keep = Math.min(wanting.length, Math.floor(budget / MIN_CHARGE_A + EPS));
  const shares = waterFill(budget, wanting.slice(0, keep));
  const out = new Map<number, number>();
  for (const c of wanting) out.set(c.connectorId, shares.get(c.connectorId) ?? 0);
  const rest = input.connectors.filter((c) => !out.has(c.connectorId));
  for (const c of [...rest].sort((a, b) => a.connectorId - b.connectorId)) out.set(c.connectorId, 0);
  return out;
}

export interface StageInput {
  budgetA: number;
  /** The wanted split (shareSite output; its iteration order is the order raises are served in). */
  targets: ReadonlyMap<number, number>;
  /** The split offered now. */
  current: ReadonlyMap<number, number>;
  /** Per connector, the highest amps offered recently that its EV may still draw (lowered, not yet followed). */
  heldA: ReadonlyMap<number, number>;
}

/**
 * Break before make: every lowering is taken at once; a raise only up to the headroom left after counting every
 * other connector at the highest of its new offer, its current offer and what it may still draw from an earlier,
 * higher offer. A paused connector resumes only when the headroom gives it the 6 A minimum. Connectors absent from
 * targets drop out (their current and held offers still count against the headroom).
 */
export function stageShares(input: StageInput): Map<number, number> {
  const next = new Map<number, number>();
  for (const [id, target] of input.targets) next.set(id, Math.min(target, input.current.get(id) ?? 0));
  const committed = (id: number): number =>
    Math.max(next.get(id) ?? 0, input.current.get(id) ?? 0, input.heldA.get(id) ?? 0);
  const ids = new Set([...next.keys(), ...input.current.keys(), ...input.heldA.keys()]);
  for (const [id, target] of input.targets) {
    const offered = next.get(id) ?? 0;
    if (target <= offered) continue;
    let others = 0;
    for (const j of ids) if (j !== id) others += committed(j);
    const raised = floorTenth(Math.min(target, input.budgetA - others));
    if (raised <= offered || (offered === 0 && raised < MIN_CHARGE_A)) continue;
    next.set(id, raised);
  }
  return next;
}
