export { ConfigError } from './config-error';
export { parseDuration, formatDuration } from './duration';
export {
  EnvBoolean,
  EnvDuration,
  EnvFile,
  EnvInteger,
  EnvList,
  EnvNumber,
  EnvOneOf,
  EnvPort,
  EnvText,
  HOST_PORT,
  IsReadableFile,
} from './env.decorators';
export { validateEnvironment, type Environment } from './validate-environment';
export { PRODUCT, VERSION } from './product';
