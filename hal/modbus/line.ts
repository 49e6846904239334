// Serial-line arithmetic for Modbus RTU (REFERENCE.md 4.4). Owns: character time, the 3.5-character
// frame gap and the computed line-time bound of a read. Must not: do I/O.

export interface LineSettings {
  baud: number;
  parity: 'none' | 'even' | 'odd';
  stopBits: 1 | 2;
}

/** Start bit + 8 data bits + parity bit (if any) + stop bits: 10 at 8N1, 11 with parity or 2 stop bits. */
export function bitsPerChar(line: Pick<LineSettings, 'parity' | 'stopBits'>): number {
  return 1 + 8 + (line.parity === 'none' ? 0 : 1) + line.stopBits;
}

/** Time the given number of characters occupies the line, ms. */
export function lineTimeMs(chars: number, line: LineSettings): number {
  return (chars * bitsPerChar(line) * 1000) / line.baud;
}

/** The silent interval that separates RTU frames: 3.5 characters (fixed 1.75 ms above 19200 baud). */
export function frameGapMs(line: LineSettings): number {
  return line.baud > 19200 ? 1.75 : lineTimeMs(3.5, line);
}

/**
 * Line time of FC03/04 reads of the given register counts: per request 8 request bytes, 5 + 2N reply
 * bytes and one 3.5-character gap (REFERENCE.md 4.4: ~21 ms for one float at 9600 8N1). Excludes the
 * meter's turnaround, which only a measurement tells.
 */
export function readBoundMs(registerCounts: readonly number[], line: LineSettings): number {
  return registerCounts.reduce((sum, n) => sum + lineTimeMs(8 + 5 + 2 * n, line) + frameGapMs(line), 0);
}
