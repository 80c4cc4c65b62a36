// A minimal protobuf wire-format reader and writer: just what the ONNX codec needs (varints
// including 64-bit ones, length-delimited fields, fixed32/64, packed repeated scalars).
// Errors name the source (usually a file path) and the byte position.

export const WireType = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

const WIRE_NAMES: Record<number, string> = { 0: 'varint', 1: 'fixed64', 2: 'length-delimited', 5: 'fixed32' };

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const TWO_POW_63 = 2 ** 63;

export class ProtobufError extends Error {}

const textDecoder = new TextDecoder('utf-8');
const textEncoder = new TextEncoder();

export class ProtoReader {
  pos: number;
  readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly source: string,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(message: string): never {
    throw new ProtobufError(`${this.source}: ${message} at byte ${this.pos}`);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Reads a varint as a JS number; values beyond 2^53 lose precision (use readInt64 for those). */
  readVarint(): number {
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.bytes[this.pos++]!;
      result += (b & 0x7f) * shift;
      if (b < 0x80) return result;
      shift *= 128;
    }
    return this.fail('varint longer than 10 bytes');
  }

  /** Reads a varint as a signed 64-bit integer (two's complement), exactly. */
  readBigVarint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.bytes[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asIntN(64, result);
      shift += 7n;
    }
    return this.fail('varint longer than 10 bytes');
  }

  /** A signed int64 as a number: exact up to 2^53, INT64_MAX/MIN saturate to ±2^63. */
  readInt64(): number {
    const start = this.pos;
    // Fast path: small non-negative values (the vast majority) fit in < 7 bytes.
    const value = this.readVarint();
    if (this.pos - start < 8) return value;
    this.pos = start;
    return Number(this.readBigVarint());
  }

  /** A signed int32 field (negative values are written sign-extended to 10 bytes). */
  readInt32(): number {
    return this.readInt64() | 0;
  }

  readTag(): { field: number; wire: number } {
    const tag = this.readVarint();
    const field = Math.floor(tag / 8);
    if (field === 0) this.fail('invalid field number 0');
    return { field, wire: tag & 7 };
  }

  readLength(): number {
    const length = this.readVarint();
    if (this.pos + length > this.end) this.fail(`truncated: a field of ${length} bytes runs past the end`);
    return length;
  }

  /** A length-delimited field, as a view (no copy). */
  readBytes(): Uint8Array {
    const length = this.readLength();
    const out = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  readString(): string {
    return textDecoder.decode(this.readBytes());
  }

  /** A reader over a nested length-delimited message. */
  readMessage(): ProtoReader {
    const length = this.readLength();
    const sub = new ProtoReader(this.bytes, this.source, this.pos, this.pos + length);
    this.pos += length;
    return sub;
  }

  readFloat(): number {
    if (this.pos + 4 > this.end) this.fail('truncated fixed32');
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  readDouble(): number {
    if (this.pos + 8 > this.end) this.fail('truncated fixed64');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  skip(wire: number): void {
    switch (wire) {
      case WireType.varint:
        this.readVarint();
        return;
      case WireType.fixed64:
        if (this.pos + 8 > this.end) this.fail('truncated fixed64');
        this.pos += 8;
        return;
      case WireType.bytes:
        this.pos += this.readLength();
        return;
      case WireType.fixed32:
        if (this.pos + 4 > this.end) this.fail('truncated fixed32');
        this.pos += 4;
        return;
      default:
        this.fail(`bad wire type ${wire}`);
    }
  }

  /** Checks the wire type of a field the caller expects, so garbage is reported, not misread. */
  expect(wire: number, expected: number, what: string): void {
    if (wire !== expected) this.fail(`bad wire type ${wire} for ${what} (expected ${WIRE_NAMES[expected] ?? expected}); the data is corrupt or not this kind of file`);
  }

  /** A repeated scalar field, packed (wire type 2) or not: calls `readOne` per element. */
  readRepeated(wire: number, scalarWire: number, what: string, readOne: (r: ProtoReader) => void): void {
    if (wire === WireType.bytes) {
      const sub = this.readMessage();
      while (!sub.done) readOne(sub);
      return;
    }
    this.expect(wire, scalarWire, what);
    readOne(this);
  }
}

/**
 * Writes protobuf bytes as a list of parts, so nested messages and large byte fields (tensor
 * data) are never copied until `finish()` joins everything once.
 */
export class ProtoWriter {
  private parts: Uint8Array[] = [];
  private buf = new Uint8Array(256);
  /** Bytes of `buf` before `start` are already in `parts` (as views); those after are not yet. */
  private start = 0;
  private used = 0;
  private partsLength = 0;

  /** Total bytes written so far, including nested parts. */
  get length(): number {
    return this.partsLength + this.used - this.start;
  }

  private ensure(n: number): void {
    if (this.used + n <= this.buf.length) return;
    this.flush();
    this.buf = new Uint8Array(Math.max(n, Math.min(this.buf.length * 2, 1 << 16)));
    this.start = 0;
    this.used = 0;
  }

  /**
   * Moves the pending bytes into `parts` as a view; later writes go on in the same buffer. (A
   * fresh buffer per flush cost a 64 KiB allocation per nested message: 80 ms of a 90 ms encode
   * of stories260k's graph.)
   */
  private flush(): void {
    if (this.used === this.start) return;
    this.parts.push(this.buf.subarray(this.start, this.used));
    this.partsLength += this.used - this.start;
    this.start = this.used;
  }

  private pushPart(bytes: Uint8Array): void {
    this.flush();
    this.parts.push(bytes);
    this.partsLength += bytes.length;
  }

  varint(value: number): void {
    if (value < 0 || value >= 2 ** 53 || !Number.isInteger(value)) {
      this.bigVarint(toInt64(value));
      return;
    }
    this.ensure(10);
    let v = value;
    while (v >= 128) {
      this.buf[this.used++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.used++] = v;
  }

  bigVarint(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    this.ensure(10);
    while (v >= 128n) {
      this.buf[this.used++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.used++] = Number(v);
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  int64Field(field: number, value: number): void {
    this.tag(field, WireType.varint);
    this.varint(value);
  }

  floatField(field: number, value: number): void {
    this.tag(field, WireType.fixed32);
    this.rawFloat(value);
  }

  /** A little-endian float32 without a tag (an element of a packed field). */
  rawFloat(value: number): void {
    this.ensure(4);
    new DataView(this.buf.buffer, this.buf.byteOffset).setFloat32(this.used, value, true);
    this.used += 4;
  }

  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, WireType.bytes);
    this.varint(bytes.length);
    if (bytes.length > 1024) {
      this.pushPart(bytes);
    } else {
      this.ensure(bytes.length);
      this.buf.set(bytes, this.used);
      this.used += bytes.length;
    }
  }

  stringField(field: number, value: string): void {
    this.bytesField(field, textEncoder.encode(value));
  }

  /** A nested message: `write` fills a child writer whose parts are adopted without copying. */
  messageField(field: number, write: (w: ProtoWriter) => void): void {
    const child = new ProtoWriter();
    write(child);
    child.flush();
    this.tag(field, WireType.bytes);
    this.varint(child.length);
    this.flush();
    for (const part of child.parts) this.parts.push(part);
    this.partsLength += child.partsLength;
  }

  /** Packed repeated varints (int64/int32). */
  packedVarints(field: number, values: ArrayLike<number>): void {
    if (values.length === 0) return;
    this.messageField(field, (w) => {
      for (let i = 0; i < values.length; i++) w.varint(values[i]!);
    });
  }

  packedFloats(field: number, values: ArrayLike<number>): void {
    if (values.length === 0) return;
    this.messageField(field, (w) => {
      for (let i = 0; i < values.length; i++) w.rawFloat(values[i]!);
    });
  }

  packedBigVarints(field: number, values: ArrayLike<bigint>): void {
    if (values.length === 0) return;
    this.messageField(field, (w) => {
      for (let i = 0; i < values.length; i++) w.bigVarint(values[i]!);
    });
  }

  finish(): Uint8Array {
    this.flush();
    if (this.parts.length === 1) return this.parts[0]!;
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const part of this.parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }
}

/** A JS number as an int64, saturating: ≥ 2^63 (how INT64_MAX reads back) → INT64_MAX. */
export function toInt64(value: number): bigint {
  if (!Number.isFinite(value) || !Number.isInteger(value)) throw new ProtobufError(`not an integer: ${value}`);
  if (value >= TWO_POW_63) return INT64_MAX;
  if (value <= -TWO_POW_63) return INT64_MIN;
  return BigInt(value);
}
