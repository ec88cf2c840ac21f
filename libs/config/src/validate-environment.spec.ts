import { IsOptional } from 'class-validator';
import { ConfigError } from './config-error';
import { EnvBoolean, EnvDuration, EnvFile, EnvInteger, EnvList, EnvOneOf, EnvText, HOST_PORT } from './env.decorators';
import { validateEnvironment } from './validate-environment';

class ExampleEnvironment {
  @EnvInteger(1, 65535)
  PORT = 6969;

  @EnvBoolean()
  FEATURE = false;

  @EnvList(HOST_PORT, 'a comma-separated list of host:port')
  BROKERS: string[] = ['127.0.0.1:9092'];

  @EnvOneOf(['key', 'partition', 'none'])
  ORDERING = 'key';

  @EnvDuration(1, 60_000)
  TIMEOUT = 10_000;

  @EnvFile()
  CA_FILE?: string;

  @EnvText()
  @IsOptional()
  NAME?: string;
}

describe('validateEnvironment', () => {
  it('applies defaults when variables are unset or empty', () => {
    const config = validateEnvironment(ExampleEnvironment, { PORT: '', UNRELATED: 'x' });
    expect(config).toMatchObject({
      PORT: 6969,
      FEATURE: false,
      BROKERS: ['127.0.0.1:9092'],
      ORDERING: 'key',
      TIMEOUT: 10_000,
    });
    expect(config.CA_FILE).toBeUndefined();
    expect(config).not.toHaveProperty('UNRELATED');
  });

  it('converts text into typed values', () => {
    const config = validateEnvironment(ExampleEnvironment, {
      PORT: '8080',
      FEATURE: 'true',
      BROKERS: 'a:1, b:2',
      ORDERING: 'Partition',
      TIMEOUT: '500ms',
      CA_FILE: __filename,
      NAME: 'gw',
    });
    expect(config).toMatchObject({
      PORT: 8080,
      FEATURE: true,
      BROKERS: ['a:1', 'b:2'],
      ORDERING: 'partition',
      TIMEOUT: 500,
      CA_FILE: __filename,
      NAME: 'gw',
    });
  });

  it.each([
    ['PORT', '70000', 'PORT must be an integer from 1 to 65535 (got "70000")'],
    ['PORT', 'abc', 'PORT must be an integer from 1 to 65535 (got "abc")'],
    ['FEATURE', 'maybe', 'FEATURE must be true or false (got "maybe")'],
    ['BROKERS', 'nohost', 'BROKERS must be a comma-separated list of host:port (got "nohost")'],
    ['ORDERING', 'random', 'ORDERING must be one of key, partition, none (got "random")'],
    ['TIMEOUT', '2m', 'TIMEOUT must be a duration such as 500ms, 10s or 1m from 1ms to 1m (got "2m")'],
    ['CA_FILE', '/nonexistent/ca.pem', 'CA_FILE must be the path of a readable file (got "/nonexistent/ca.pem")'],
  ])('rejects %s=%s with one line naming the variable', (name, value, message) => {
    expect(() => validateEnvironment(ExampleEnvironment, { [name]: value })).toThrow(new ConfigError(message));
  });
});
