/**
 * A minimal Protocol Buffers wire-format writer and reader: what building (and inspecting) an
 * ONNX model needs, nothing more. No schema, no reflection: callers write fields by number.
 *
 * Wire types (https://protobuf.dev/programming-guides/encoding/):
 *   0 VARINT (int32, int64, uint64, bool, enum)   1 I64 (double, fixed64)
 *   2 LEN (string, bytes, embedded message, packed repeated)   5 I32 (float, fixed32)
 * A field is `tag = (field_number << 3) | wire_type` as a varint, then its payload. Negative
 * int32/int64 values are written as 10-byte two's-complement varints (not zigzag: that is sint*).
 */

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

const TEXT = new TextEncoder();
const TWO_64 = 1n << 64n;

/** Growable byte buffer with protobuf field writers. Call `finish()` once at the end. */
export class ProtoWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialSize = 256) {
    this.buf = new Uint8Array(Math.max(16, initialSize));
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Raw varint of a non-negative integer below 2^64 (number or bigint) or a negative int64. */
  rawVarint(value: number | bigint): void {
    if (typeof value === 'number') {
      if (!Number.isInteger(value)) throw new RangeError(`protobuf: varint value ${value} is not an integer`);
      if (value >= 0 && value <= Number.MAX_SAFE_INTEGER) {
        this.reserve(10);
        let v = value;
        while (v >= 0x80) {
          this.buf[this.pos++] = (v % 0x80) | 0x80;
          v = Math.floor(v / 0x80);
        }
        this.buf[this.pos++] = v;
        return;
      }
      if (!Number.isSafeInteger(value)) throw new RangeError(`protobuf: varint value ${value} is not a safe integer; pass a bigint`);
      value = BigInt(value);
    }
    if (value < -(1n << 63n) || value >= TWO_64) throw new RangeError(`protobuf: varint value ${value} does not fit in 64 bits`);
    let v = value < 0n ? value + TWO_64 : value;
    this.reserve(10);
    while (v >= 0x80n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  tag(field: number, wire: number): void {
    if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff) throw new RangeError(`protobuf: bad field number ${field}`);
    this.rawVarint(field * 8 + wire);
  }

  /** int32 / int64 / uint64 / enum / bool field. */
  varint(field: number, value: number | bigint | boolean): void {
    this.tag(field, WIRE_VARINT);
    this.rawVarint(typeof value === 'boolean' ? (value ? 1 : 0) : value);
  }

  /** float field (IEEE 754 single, little-endian). */
  float(field: number, value: number): void {
    this.tag(field, WIRE_I32);
    this.reserve(4);
    this.view.setFloat32(this.pos, value, true);
    this.pos += 4;
  }

  /** double field (IEEE 754 double, little-endian). */
  double(field: number, value: number): void {
    this.tag(field, WIRE_I64);
    this.reserve(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /** bytes / embedded message field. */
  bytes(field: number, value: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.rawVarint(value.length);
    this.reserve(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** string field (UTF-8). */
  string(field: number, value: string): void {
    this.bytes(field, TEXT.encode(value));
  }

  /** Embedded message: `build` writes its fields into a fresh writer. */
  message(field: number, build: (w: ProtoWriter) => void): void {
    const w = new ProtoWriter();
    build(w);
    this.bytes(field, w.finish());
  }

  /** packed repeated int32 / int64 / uint64 (one LEN field of concatenated varints). */
  packedVarints(field: number, values: ArrayLike<number | bigint>): void {
    if (values.length === 0) return;
    const w = new ProtoWriter(values.length * 2);
    for (let i = 0; i < values.length; i++) w.rawVarint(values[i]);
    this.bytes(field, w.finish());
  }

  /** packed repeated float. */
  packedFloats(field: number, values: ArrayLike<number>): void {
    if (values.length === 0) return;
    this.tag(field, WIRE_LEN);
    this.rawVarint(values.length * 4);
    this.reserve(values.length * 4);
    for (let i = 0; i < values.length; i++) {
      this.view.setFloat32(this.pos, values[i], true);
      this.pos += 4;
    }
  }

  /** packed repeated double. */
  packedDoubles(field: number, values: ArrayLike<number>): void {
    if (values.length === 0) return;
    this.tag(field, WIRE_LEN);
    this.rawVarint(values.length * 8);
    this.reserve(values.length * 8);
    for (let i = 0; i < values.length; i++) {
      this.view.setFloat64(this.pos, values[i], true);
      this.pos += 8;
    }
  }

  get length(): number {
    return this.pos;
  }

  /** The bytes written so far (a copy sized exactly). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

// ------------------------------------------------------------------ reading

/** One field as read off the wire: varints as bigint, I32/I64/LEN as their raw bytes. */
export interface ProtoField {
  field: number;
  wire: number;
  /** VARINT: the value as an unsigned 64-bit bigint (see `asInt64`). */
  varint?: bigint;
  /** I32, I64, LEN: the payload bytes (a view into the input). */
  bytes?: Uint8Array;
}

function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new RangeError('protobuf: truncated varint');
    const b = buf[pos++];
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result & (TWO_64 - 1n), pos];
    shift += 7n;
  }
  throw new RangeError('protobuf: varint longer than 10 bytes');
}

/** Split one message into its fields, in wire order. Throws RangeError on malformed input. */
export function readFields(buf: Uint8Array): ProtoField[] {
  const out: ProtoField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p] = readVarint(buf, pos);
    pos = p;
    const field = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (field === 0) throw new RangeError('protobuf: field number 0');
    if (wire === WIRE_VARINT) {
      const [v, q] = readVarint(buf, pos);
      out.push({ field, wire, varint: v });
      pos = q;
    } else if (wire === WIRE_I64 || wire === WIRE_I32) {
      const n = wire === WIRE_I64 ? 8 : 4;
      if (pos + n > buf.length) throw new RangeError('protobuf: truncated fixed-width field');
      out.push({ field, wire, bytes: buf.subarray(pos, pos + n) });
      pos += n;
    } else if (wire === WIRE_LEN) {
      const [len, q] = readVarint(buf, pos);
      const end = q + Number(len);
      if (end > buf.length) throw new RangeError('protobuf: truncated length-delimited field');
      out.push({ field, wire, bytes: buf.subarray(q, end) });
      pos = end;
    } else {
      throw new RangeError(`protobuf: unsupported wire type ${wire}`);
    }
  }
  return out;
}

/** An unsigned varint read as a signed int64. */
export function asInt64(v: bigint): bigint {
  return v >= 1n << 63n ? v - TWO_64 : v;
}

/** The varints of a packed repeated field's payload. */
export function readPackedVarints(bytes: Uint8Array): bigint[] {
  const out: bigint[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const [v, p] = readVarint(bytes, pos);
    out.push(v);
    pos = p;
  }
  return out;
}

/** The floats of a packed repeated float payload (or one I32 field's bytes). */
export function readFloats(bytes: Uint8Array): number[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) out.push(dv.getFloat32(i, true));
  return out;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
export function readString(bytes: Uint8Array): string {
  return UTF8.decode(bytes);
}
