import { defaultMetadataStorage } from 'class-transformer/cjs/storage';

/** The variables a configuration class reads: its @Expose'd properties. */
export function variablesOf(schema: new () => object): string[] {
  return defaultMetadataStorage.getExposedProperties(schema, 0 /* PLAIN_TO_CLASS */);
}
