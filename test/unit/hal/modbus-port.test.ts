// Unit tests of the RTU frame port (hal/modbus/port.ts) over an in-memory line: it cuts the reply to the
// current request out of the received bytes, skips leading noise, waits for split frames and drops stale bytes.

import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { RtuFramePort, type SerialLine } from '../../../hal/modbus/port.js';

class MemoryLine extends EventEmitter implements SerialLine {
  isOpen = true;
  written: Buffer[] = [];
  open(cb: (err: Error | null) => void): void {
    cb(null);
  }
  close(cb?: (err: Error | null) => void): void {
    this.isOpen = false;
    cb?.(null);
  }
  write(data: Buffer): boolean {
    this.written.push(data);
    return true;
  }
  receive(...bytes: number[]): void {
    this.emit('data', Buffer.from(bytes));
  }
}

function setup() {
  const line = new MemoryLine();
  const port = new RtuFramePort(line);
  const frames: number[][] = [];
  port.on('data', (f: Buffer) => frames.push([...f]));
  return { line, port, frames };
}

// Read 1 input register at 0 from unit 1 (CRC not checked here: modbus-serial does that).
const REQUEST = Buffer.from([0x01, 0x04, 0x00, 0x00, 0x00, 0x01, 0x31, 0xca]);

describe('RtuFramePort', () => {
  it('GIVEN a request WHEN the reply arrives after noise and split in two THEN exactly the reply frame is passed on', () => {
    const { line, port, frames } = setup();
    port.write(REQUEST);
    expect(line.written).toEqual([REQUEST]);
    line.receive(0x00, 0xff, 0x01, 0x04);
    expect(frames).toEqual([]);
    line.receive(0x02, 0x12, 0x34, 0xaa, 0xbb);
    expect(frames).toEqual([[0x01, 0x04, 0x02, 0x12, 0x34, 0xaa, 0xbb]]);
    expect(port.bytesSinceWrite).toBe(9);
  });

  it('GIVEN an exception reply WHEN it arrives THEN the 5-byte exception frame is passed on', () => {
    const { line, port, frames } = setup();
    port.write(REQUEST);
    line.receive(0x01, 0x84, 0x02, 0xc2, 0xc1);
    expect(frames).toEqual([[0x01, 0x84, 0x02, 0xc2, 0xc1]]);
  });

  it('GIVEN a late partial reply to an earlier request WHEN a new request is written THEN the stale bytes are dropped', () => {
    const { line, port, frames } = setup();
    port.write(REQUEST);
    line.receive(0x01, 0x04, 0x02, 0x99); // cut short: the master timed out
    port.write(REQUEST);
    expect(port.bytesSinceWrite).toBe(0);
    line.receive(0x01, 0x04, 0x02, 0x00, 0x07, 0x01, 0x02);
    expect(frames).toEqual([[0x01, 0x04, 0x02, 0x00, 0x07, 0x01, 0x02]]);
  });

  it('GIVEN a reply from another unit WHEN it arrives THEN nothing is passed on but the bytes are counted', () => {
    const { line, port, frames } = setup();
    port.write(REQUEST);
    line.receive(0x02, 0x04, 0x02, 0x00, 0x07, 0x01, 0x02);
    expect(frames).toEqual([]);
    expect(port.bytesSinceWrite).toBe(7);
  });

  it('GIVEN no request outstanding WHEN bytes arrive THEN nothing is passed on', () => {
    const { line, frames } = setup();
    line.receive(0x01, 0x04, 0x02, 0x00, 0x07, 0x01, 0x02);
    expect(frames).toEqual([]);
  });
});
