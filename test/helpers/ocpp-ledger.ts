// The CSMS's view of transactions, rebuilt from what a test CSMS received: StartTransaction (with the
// transactionId the CSMS gave it), MeterValues and StopTransaction per transaction, exact redeliveries
// (the same payload received twice: at-least-once delivery after a kill) and the invariants a billing
// backend relies on. Must not: talk to the controller or assert (tests do); it returns problems as text.

export interface TxMessage {
  action: 'StartTransaction' | 'MeterValues' | 'StopTransaction';
  params: any;
  at: number;
  /** The transactionId the CSMS answered (StartTransaction only). */
  assignedId?: number;
}

export interface LedgerTx {
  id: number;
  start: any;
  /** Position of the first receipt of this Start payload (the order transactions began in). */
  order: number;
  /** Distinct StopTransaction payloads and how many times any of them arrived. */
  stops: any[];
  stopDeliveries: number;
  /** Energy.Active.Import.Register values (Wh) of its MeterValues, distinct messages in arrival order. */
  meterValuesWh: number[];
  /** Energy register values (Wh) in the Stop's transactionData. */
  stopDataWh: number[];
  /** Timestamps of its MeterValues (ms), distinct messages in arrival order. */
  meterValuesAt: number[];
}

export interface Redelivery {
  action: TxMessage['action'];
  /** transactionId of the message (for a Start: the ids the CSMS gave to the copies). */
  ids: number[];
  copies: number;
  key: string;
}

export interface Ledger {
  txs: LedgerTx[];
  redeliveries: Redelivery[];
  /** Starts that never got a Stop because the same Start payload arrived again and got a new id. */
  orphanedByRedelivery: LedgerTx[];
  problems: string[];
}

const REGISTER = 'Energy.Active.Import.Register';

/** Energy register values (Wh) of a list of OCPP MeterValue entries. */
export function registerWh(meterValue: any[] | undefined): number[] {
  const out: number[] = [];
  for (const mv of meterValue ?? []) {
    for (const sv of mv.sampledValue ?? []) {
      if ((sv.measurand ?? REGISTER) !== REGISTER) continue;
      const v = Number(sv.value);
      out.push(sv.unit === 'kWh' ? v * 1000 : v);
    }
  }
  return out;
}

const keyOf = (m: TxMessage): string => `${m.action}:${JSON.stringify(m.params)}`;

function nonDecreasing(values: number[]): boolean {
  return values.every((v, i) => i === 0 || v >= values[i - 1]!);
}

/** Builds the ledger; `problems` lists every broken invariant in words. */
export function buildLedger(messages: TxMessage[]): Ledger {
  const problems: string[] = [];
  const copies = new Map<string, TxMessage[]>();
  for (const m of messages) copies.set(keyOf(m), [...(copies.get(keyOf(m)) ?? []), m]);

  const txs = new Map<number, LedgerTx>();
  const firstSeen = new Map<string, number>();
  messages.forEach((m, i) => {
    if (m.action !== 'StartTransaction' || m.assignedId === undefined) return;
    const k = keyOf(m);
    if (!firstSeen.has(k)) firstSeen.set(k, i);
    txs.set(m.assignedId, { id: m.assignedId, start: m.params, order: firstSeen.get(k)!, stops: [], stopDeliveries: 0, meterValuesWh: [], stopDataWh: [], meterValuesAt: [] });
  });

  const seenMv = new Set<string>();
  for (const m of messages) {
    if (m.action === 'StartTransaction') continue;
    const id = m.params.transactionId;
    const tx = typeof id === 'number' ? txs.get(id) : undefined;
    if (m.action === 'MeterValues') {
      if (id === undefined) continue; // not transaction-bound
      if (!tx) problems.push(`MeterValues for transactionId ${id}, which the CSMS never gave out`);
      else if (!seenMv.has(keyOf(m))) {
        tx.meterValuesWh.push(...registerWh(m.params.meterValue));
        tx.meterValuesAt.push(...(m.params.meterValue as any[]).map((mv) => Date.parse(mv.timestamp)));
      }
      seenMv.add(keyOf(m));
      continue;
    }
    if (!tx) {
      problems.push(`StopTransaction without a StartTransaction: transactionId ${id} (${JSON.stringify(m.params)})`);
      continue;
    }
    tx.stopDeliveries++;
    if (!tx.stops.some((s) => JSON.stringify(s) === JSON.stringify(m.params))) tx.stops.push(m.params);
    tx.stopDataWh = registerWh(m.params.transactionData);
  }

  const redeliveries: Redelivery[] = [];
  for (const [key, list] of copies) {
    if (list.length < 2) continue;
    const action = list[0]!.action;
    const ids = action === 'StartTransaction' ? list.map((m) => m.assignedId!) : [list[0]!.params.transactionId];
    redeliveries.push({ action, ids, copies: list.length, key });
  }

  const orphanedByRedelivery: LedgerTx[] = [];
  const ordered = [...txs.values()].sort((a, b) => a.order - b.order || a.id - b.id);
  for (const tx of ordered) {
    if (tx.stops.length === 0) {
      const twin = ordered.find((o) => o !== tx && o.id > tx.id && JSON.stringify(o.start) === JSON.stringify(tx.start) && o.stops.length > 0);
      if (twin) orphanedByRedelivery.push(tx);
      else problems.push(`transaction ${tx.id} (idTag ${tx.start.idTag}, meterStart ${tx.start.meterStart}) has no StopTransaction`);
      continue;
    }
    if (tx.stops.length > 1) problems.push(`transaction ${tx.id} has ${tx.stops.length} different StopTransactions: ${JSON.stringify(tx.stops)}`);
    const stop = tx.stops[0];
    if (stop.meterStop < tx.start.meterStart) problems.push(`transaction ${tx.id}: meterStop ${stop.meterStop} < meterStart ${tx.start.meterStart}`);
    const series = [tx.start.meterStart, ...tx.meterValuesWh, stop.meterStop];
    if (!nonDecreasing(series)) {
      problems.push(`transaction ${tx.id} (idTag ${tx.start.idTag}, reason ${stop.reason}): energy goes backwards: meterStart, MeterValues..., meterStop = ${series.join(', ')}`);
    }
    const times = [Date.parse(tx.start.timestamp), ...tx.meterValuesAt, Date.parse(stop.timestamp)];
    if (!nonDecreasing(times)) {
      problems.push(`transaction ${tx.id} (idTag ${tx.start.idTag}, reason ${stop.reason}): time goes backwards: start, MeterValues..., stop = ${times.map((t) => new Date(t).toISOString().slice(11, 23)).join(', ')}`);
    }
    const outside = tx.stopDataWh.filter((v) => v < tx.start.meterStart || v > stop.meterStop);
    if (outside.length > 0) problems.push(`transaction ${tx.id}: transactionData register ${outside.join(', ')} outside [meterStart ${tx.start.meterStart}, meterStop ${stop.meterStop}]`);
  }

  // Across transactions (time order): the register never goes back from one transaction to the next.
  const billed = ordered.filter((t) => t.stops.length > 0);
  for (let i = 1; i < billed.length; i++) {
    const prev = billed[i - 1]!;
    const cur = billed[i]!;
    const prevMax = Math.max(prev.start.meterStart, prev.stops[0].meterStop, ...prev.meterValuesWh);
    if (cur.start.meterStart < prevMax) {
      problems.push(`register goes backwards between transactions: ${prev.id} reached ${prevMax} Wh, the next (${cur.id}) starts at ${cur.start.meterStart} Wh`);
    }
  }
  return { txs: ordered, redeliveries, orphanedByRedelivery, problems };
}
