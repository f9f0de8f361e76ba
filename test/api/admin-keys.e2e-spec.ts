import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { openDatabase, type Database, type DatabaseTarget } from '@ratecard/ledger';
import { createApp } from '../../apps/api/src/app';
import { loadConfig } from '../../apps/api/src/config';
import { createLogger } from '../../apps/api/src/ops/logger';
import { run } from '../../apps/cli/src/cli';
import { ADMIN_KEY, Client, expectProblem, TestClock, type Json } from '../support/api';
import { DATABASE_KINDS, freshDatabase } from '../support/databases';
import { REPO_ROOT } from '../support/rules';

// The service can always be managed. The last active admin key cannot be revoked (409
// LAST_ADMIN_KEY, through the API and the CLI, also when two admins revoke each other at once).
// A database with no active admin key (made before that rule, or edited by hand) gets one back at
// start-up: `RATECARD_ADMIN_KEY` restored, or a new key printed once to stderr; the log says so
// (warn) and the audit trail records it. A RATECARD_ADMIN_KEY that grants nothing is logged too.

interface Booted {
  readonly url: string;
  readonly logs: readonly Json[];
  readonly stderr: string;
  close(): Promise<void>;
}

describe.each(DATABASE_KINDS)('admin keys on %s', (kind) => {
  const clock = new TestClock();
  let target: DatabaseTarget & { url: string };
  let db: Database;
  let service: Booted | undefined;

  /** Starts the service on the test's database with `env`, capturing its log lines and stderr. */
  async function boot(env: Record<string, string>): Promise<Booted> {
    const { config, problems } = loadConfig({ DATABASE_URL: target.url, RULES_DIR: 'rules', LOG_LEVEL: 'info', RULES_POLL_MS: '3600000', KEY_CACHE_SECONDS: '0', ...env }, REPO_ROOT);
    if (!config) throw new Error(problems.map((p) => `${p.variable}: ${p.message}`).join('; '));
    const logs: Json[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logs.push(JSON.parse(line));
        done();
      },
    });
    let stderr = '';
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((text: string | Uint8Array) => {
      stderr += String(text);
      return true;
    });
    let app: NestFastifyApplication;
    try {
      app = await createApp(config, { clock, logger: createLogger(config.logLevel, sink) });
    } finally {
      spy.mockRestore();
    }
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`, logs, stderr, close: () => app.close() };
  }

  const client = (key: string): Client => new Client(() => service!.url, key);
  const keysLog = (b: Booted): [string, string][] => b.logs.filter((l) => l.context === 'keys').map((l) => [l.level >= 40 ? 'warn' : 'info', l.msg]);
  /** What a database edited by hand, or made before the rule, can hold: every admin key revoked. */
  const revokeEveryAdminBehindTheServicesBack = (): Promise<unknown> =>
    db.orm.em.fork().getConnection().execute("update api_key set revoked_at = ? where role = 'admin' and revoked_at is null", [clock.now()]);
  const activeAdmins = async (): Promise<number> => Number(((await db.orm.em.fork().getConnection().execute("select count(*) as n from api_key where role = 'admin' and revoked_at is null")) as { n: number | string }[])[0].n);

  beforeAll(async () => {
    target = await freshDatabase(kind);
    service = await boot({ RATECARD_ADMIN_KEY: ADMIN_KEY });
    db = await openDatabase(target);
  }, 60_000);

  afterAll(async () => {
    await service?.close();
    await db?.close();
  });

  async function restart(env: Record<string, string>): Promise<Booted> {
    await service?.close();
    service = await boot(env);
    return service;
  }

  /** The secret of an active admin key, kept as the tests revoke and restore them. */
  let admin = ADMIN_KEY;
  const keyCount = async (): Promise<number> => Number(((await db.orm.em.fork().getConnection().execute('select count(*) as n from api_key')) as { n: number | string }[])[0].n);

  it('the first start creates RATECARD_ADMIN_KEY as the admin key and says so (info)', async () => {
    expect((await client(ADMIN_KEY).get('/v1/whoami')).body).toMatchObject({ name: 'first admin', role: 'admin' });
    expect(keysLog(service!)).toEqual([['info', expect.stringMatching(/^created the admin key key_\S+ from RATECARD_ADMIN_KEY$/)]]);
  });

  it('the last active admin key cannot be revoked: 409 LAST_ADMIN_KEY, nothing changes, and it keeps working', async () => {
    const { id } = (await client(admin).get('/v1/whoami')).body;
    const audit = (await client(admin).get('/v1/audit?limit=500')).body.items.length;

    const res = await client(admin).delete(`/v1/keys/${id}`);

    expectProblem(res, 409, 'LAST_ADMIN_KEY');
    expect(res.body.detail).toBe(`key \`${id}\` is the last active admin key: create another admin key before revoking it`);
    expect((await client(admin).get('/v1/whoami')).status).toBe(200);
    expect((await client(admin).get('/v1/audit?limit=500')).body.items.length).toBe(audit);
  });

  it('with another admin key it can; then that one is the last', async () => {
    const first = (await client(admin).get('/v1/whoami')).body.id;
    const second = (await client(admin).post('/v1/keys', { name: 'second admin', role: 'admin' })).body;

    expect((await client(second.key).delete(`/v1/keys/${first}`)).status).toBe(200);
    expectProblem(await client(second.key).delete(`/v1/keys/${second.id}`), 409, 'LAST_ADMIN_KEY');
    expect(await activeAdmins()).toBe(1);
    admin = second.key;
  });

  it('two admin keys revoking each other at the same moment: one revocation wins, one admin key stays active', async () => {
    for (let round = 0; round < 5; round++) {
      const me = (await client(admin).get('/v1/whoami')).body;
      const other = (await client(admin).post('/v1/keys', { name: `racing admin ${round}`, role: 'admin' })).body;
      expect(await activeAdmins()).toBe(2);

      const [mine, theirs] = await Promise.all([client(admin).delete(`/v1/keys/${other.id}`), client(other.key).delete(`/v1/keys/${me.id}`)]);

      expect([mine.status, theirs.status].sort()).toEqual([200, 409]);
      expect([mine, theirs].find((r) => r.status === 409)!.body.code).toBe('LAST_ADMIN_KEY');
      expect(await activeAdmins()).toBe(1);
      if (mine.status !== 200) admin = other.key;
    }
  });

  it('the CLI refuses to revoke the last admin key too', async () => {
    const { id } = (await client(admin).get('/v1/whoami')).body;
    const out: string[] = [];
    const code = await run(['keys', 'revoke', id], { out: (t) => void out.push(t), err: (t) => void out.push(t), cwd: REPO_ROOT, env: { DATABASE_URL: target.url }, now: () => clock.now() });
    expect([code, out.join('\n')]).toEqual([expect.any(Number), expect.stringContaining(`key \`${id}\` is the last active admin key`)]);
    expect(code).not.toBe(0);
    expect(await activeAdmins()).toBe(1);
  });

  it('a database with no active admin key: a restart with RATECARD_ADMIN_KEY restores it, audited and logged (warn)', async () => {
    await revokeEveryAdminBehindTheServicesBack();
    expect((await client(admin).get('/v1/whoami')).status).toBe(401);
    clock.advance({ hours: 1 });

    const booted = await restart({ RATECARD_ADMIN_KEY: ADMIN_KEY });

    const me = await client(ADMIN_KEY).get('/v1/whoami');
    expect(me.body).toMatchObject({ name: 'first admin', role: 'admin' });
    expect(keysLog(booted)).toEqual([['warn', `no admin key was active: restored the revoked admin key ${me.body.id} from RATECARD_ADMIN_KEY (audited as key.restore)`]]);
    const [event] = (await client(ADMIN_KEY).get('/v1/audit?limit=1')).body.items;
    expect(event).toMatchObject({ actor: 'system', event: 'key.restore', target: me.body.id, createdAt: clock.now().toISOString() });
    expect((await client(ADMIN_KEY).get('/v1/keys')).body.find((k: Json) => k.id === me.body.id).revokedAt).toBeNull();
    admin = ADMIN_KEY;
  });

  it('without RATECARD_ADMIN_KEY it creates an admin key, printed once to stderr and never to the log', async () => {
    await revokeEveryAdminBehindTheServicesBack();

    const booted = await restart({});

    const printed = /\n {2}(rck_[A-Za-z0-9_-]{43})\n/.exec(booted.stderr)?.[1];
    expect(booted.stderr).toContain('ratecard: no admin key was active, so an admin key was created. It is shown once; store it:');
    expect(printed).toBeDefined();
    const me = await client(printed!).get('/v1/whoami');
    expect(me.body).toMatchObject({ name: 'recovered admin', role: 'admin' });
    expect(keysLog(booted)).toEqual([['warn', `no admin key was active: created the admin key ${me.body.id} (printed once to stderr)`]]);
    expect(JSON.stringify(booted.logs)).not.toContain(printed);
    admin = printed!;
  });

  it.each([
    ['revoked', () => ADMIN_KEY, (id: string) => `RATECARD_ADMIN_KEY is the revoked key ${id}: it grants nothing; remove it or set it to an active admin key`],
    ['a service key', () => '', (id: string) => `RATECARD_ADMIN_KEY is the service key ${id}, not an admin key: it grants no admin rights`],
    ['no key of this database', () => 'rck_not_a_key_of_this_database_0123456789', () => 'RATECARD_ADMIN_KEY is no key of this database: it grants nothing while another admin key is active (it becomes the admin key only when none is)'],
  ])('a RATECARD_ADMIN_KEY that is %s while an admin key is active grants nothing, and the log says so (warn)', async (_, secretOf, message) => {
    let secret = secretOf();
    if (secret === '') secret = (await client(admin).post('/v1/keys', { name: 'a service', role: 'service' })).body.key;
    const id = (await db.orm.em.fork().getConnection().execute('select id from api_key where secret_hash = ?', [createHash('sha256').update(secret).digest('hex')]) as { id: string }[])[0]?.id ?? '';
    const keys = await keyCount();

    const booted = await restart({ RATECARD_ADMIN_KEY: secret });

    expect(keysLog(booted)).toEqual([['warn', message(id)]]);
    expect(booted.stderr).toBe('');
    expect(await keyCount()).toBe(keys);
    expect((await client(secret).get('/v1/keys')).status).toBe(secretOf() === '' ? 403 : 401);
    expect((await client(admin).get('/v1/whoami')).status).toBe(200);
  });

  it('a restart with an active RATECARD_ADMIN_KEY says nothing and changes nothing', async () => {
    const current = (await client(admin).post('/v1/keys', { name: 'env admin', role: 'admin' })).body.key;
    const keys = await keyCount();
    const booted = await restart({ RATECARD_ADMIN_KEY: current });
    expect(keysLog(booted)).toEqual([]);
    expect(booted.stderr).toBe('');
    expect(await keyCount()).toBe(keys);
  });
});
