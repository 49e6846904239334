// Debounce for polled RFID readers: one event per presentation of a card, plus a per-UID hold-off.
// Owns: deciding whether a UID read by a poll is reported. Must not: talk to hardware, schedule polls or
// format idTags.
//
// - A card counts once while it stays on the reader; the reader re-arms only after a poll that found no card
//   (REFERENCE.md 6, as SE does). A different UID read without an empty poll in between (cards swapped within
//   one poll period) is a new presentation.
// - Hold-off: a UID is ignored for holdOffMs after it was last reported, even if it was taken away and
//   presented again meanwhile. A presentation ignored that way stays ignored until the card is removed.
// - A poll that saw a card but could not read its UID changes nothing (neither re-arms nor reports).

export class CardDebounce {
  /** Key of the UID currently on the reader (read and not yet seen absent), or null. */
  private onReader: string | null = null;
  /** Clock time each UID was last reported; entries older than the hold-off are pruned. */
  private readonly lastReported = new Map<string, number>();

  constructor(private readonly holdOffMs: number) {}

  /** A poll found no card: the next read is a new presentation. */
  empty(): void {
    this.onReader = null;
  }

  /** A poll read `uid` at clock time `now`: true when this read is to be reported. */
  read(uid: Uint8Array, now: number): boolean {
    const key = Buffer.from(uid).toString('hex');
    if (key === this.onReader) return false;
    this.onReader = key;
    for (const [k, at] of this.lastReported) if (now - at >= this.holdOffMs) this.lastReported.delete(k);
    if (this.lastReported.has(key)) return false;
    this.lastReported.set(key, now);
    return true;
  }
}
