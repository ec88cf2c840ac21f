/** A configuration value that cannot be used; the message is one line naming the setting. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
