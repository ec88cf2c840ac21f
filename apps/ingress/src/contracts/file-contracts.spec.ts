import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileContracts } from './file-contracts';

describe('FileContracts', () => {
  let dir: string;
  let contracts: FileContracts;
  const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);

  /** Writes the file with a later mtime, as an edit a second later would. */
  let tick = 1_700_000_000;
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    tick += 1;
    utimesSync(join(dir, name), tick, tick);
  };
  const requiring = (...fields: string[]) => JSON.stringify({ type: 'object', required: fields });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'file-contracts-'));
    contracts = new FileContracts(dir);
    errors.mockClear();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads <topic>.json files at boot and ignores other files', () => {
    write('orders.json', requiring('id'));
    write('README.md', '# not a schema');
    contracts.loadAll();
    expect(contracts.topics).toEqual(['orders']);
    expect(contracts.get('orders')?.violations({})).toEqual([
      { field: 'payload.id', message: 'payload.id is required' },
    ]);
    expect(contracts.get('other')).toBeUndefined();
  });

  it('stops the boot on a file that does not compile, naming it', () => {
    write('orders.json', '{"type": ');
    expect(() => contracts.loadAll()).toThrow(/INGRESS_SCHEMAS_DIR: .*orders\.json is not a usable JSON Schema/);
  });

  it('compiles an edited file again, keeps the last good schema when it breaks, and drops a removed one', async () => {
    write('orders.json', requiring('id'));
    contracts.loadAll();
    write('orders.json', requiring('id', 'total'));
    write('audit.json', requiring('at'));
    await contracts.rescan();
    expect(contracts.get('orders')?.violations({ id: 1 })).toEqual([
      { field: 'payload.total', message: 'payload.total is required' },
    ]);
    expect(contracts.get('audit')).toBeDefined();

    write('orders.json', '{"type": "no-such-type"}');
    await contracts.rescan();
    await contracts.rescan();
    expect(errors).toHaveBeenCalledTimes(1);
    expect(errors.mock.calls[0][0]).toMatch(
      /orders\.json is not a usable JSON Schema .*the last good version stays in force/,
    );
    expect(contracts.get('orders')?.violations({ id: 1 })).toHaveLength(1);

    rmSync(join(dir, 'audit.json'));
    await contracts.rescan();
    expect(contracts.get('audit')).toBeUndefined();
  });
});
