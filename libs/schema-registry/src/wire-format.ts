/**
 * The Confluent wire format every Schema Registry client reads and writes: magic byte 0, the
 * schema id as a 4-byte big-endian integer, then the serialised value (JSON text or Avro binary).
 */
export const MAGIC_BYTE = 0;
export const WIRE_HEADER_BYTES = 5;

/** The record value: the 5-byte header followed by the body, in one buffer. */
export function toWireFormat(schemaId: number, body: Buffer | string): Buffer {
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  const value = Buffer.allocUnsafe(WIRE_HEADER_BYTES + length);
  value[0] = MAGIC_BYTE;
  value.writeUInt32BE(schemaId, 1);
  if (typeof body === 'string') value.write(body, WIRE_HEADER_BYTES);
  else body.copy(value, WIRE_HEADER_BYTES);
  return value;
}

/** The schema id and body of a value in the wire format, or undefined when it is not in it. */
export function fromWireFormat(value: Buffer): { schemaId: number; body: Buffer } | undefined {
  if (value.length < WIRE_HEADER_BYTES || value[0] !== MAGIC_BYTE) return undefined;
  return { schemaId: value.readUInt32BE(1), body: value.subarray(WIRE_HEADER_BYTES) };
}
