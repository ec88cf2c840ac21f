export {
  SchemaRegistryClient,
  SchemaRegistryUnavailableError,
  type RegisteredSchema,
  type SchemaRegistryClientOptions,
} from './schema-registry-client';
export { fromWireFormat, MAGIC_BYTE, toWireFormat, WIRE_HEADER_BYTES } from './wire-format';
