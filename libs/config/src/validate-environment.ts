import { type ClassConstructor, plainToInstance } from 'class-transformer';
import { type ValidationError, validateSync } from 'class-validator';
import { ConfigError } from './config-error';

export type Environment = Record<string, string | undefined>;

/**
 * Reads the variables a class declares (each with `@Expose`) from the environment into a typed,
 * validated object, once, at boot. Empty variables count as unset, so defaults apply. The first
 * bad value throws a ConfigError whose one-line message names the variable, what was given and
 * what is allowed.
 */
export function validateEnvironment<T extends object>(schema: ClassConstructor<T>, env: Environment): T {
  const present: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') present[name] = value;
  }
  const config = plainToInstance(schema, present, { exposeDefaultValues: true, excludeExtraneousValues: true });
  const errors = validateSync(config, { forbidUnknownValues: false });
  if (errors.length > 0) throw new ConfigError(describe(errors[0], present));
  return config;
}

function describe(error: ValidationError, env: Record<string, string>): string {
  const message = Object.values(error.constraints ?? {})[0] ?? `${error.property} is not valid`;
  const raw = env[error.property];
  return raw === undefined ? `${message} (not set)` : `${message} (got "${truncate(raw)}")`;
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
