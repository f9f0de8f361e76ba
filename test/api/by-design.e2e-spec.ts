import { randomUUID } from 'node:crypto';
import { expectProblem, useApi } from '../support/api';
import { DATABASE_KINDS } from '../support/databases';

// Behaviour that stays as designed, as README says, held here so that a change to it is a decision:
// - `site.regenerate` has no quota of its own: Basic's 2 sites a month count `site.generate` only;
// - an Idempotency-Key is scoped per operation, not per API key: services sharing one ratecard
//   must make their keys distinct (a prefix).

describe.each(DATABASE_KINDS)('as designed on %s', (kind) => {
  const api = useApi(kind);

  it('site.regenerate has no quota of its own: Basic regenerates, confirmed, after its 2 sites', async () => {
    const { id } = await api.createAccount({ plan: 'basic' });
    for (let i = 0; i < 2; i++) expect((await api.charge({ accountId: id, action: 'site.generate' })).status).toBe(201);
    expectProblem(await api.charge({ accountId: id, action: 'site.generate' }), 403, 'QUOTA_EXCEEDED');

    const regenerated = await api.charge({ accountId: id, action: 'site.regenerate', confirm: true });

    expect([regenerated.status, regenerated.body.cost]).toEqual([201, 282]);
    expect((await api.account(id)).usage).toEqual(expect.arrayContaining([{ action: 'site.generate', used: 2, quota: 2, left: 0 }]));
  });

  it('an Idempotency-Key is shared by every API key: another service reusing it gets the first answer, or 409, and charges nothing', async () => {
    const { id } = await api.createAccount({ plan: 'basic' });
    const other = await api.createKey('service', 'another service');
    const key = randomUUID();
    const first = await api.charge({ accountId: id, action: 'chat.edit' }, key);
    const balance = (await api.account(id)).balanceMillicredits;

    const same = await other.client.post('/v1/charges', { accountId: id, action: 'chat.edit' }, { idempotencyKey: key });
    const another = await other.client.post('/v1/charges', { accountId: id, action: 'prompt.enhance' }, { idempotencyKey: key });

    expect([same.status, same.headers['idempotent-replayed'], same.body.id]).toEqual([201, 'true', first.body.id]);
    expectProblem(another, 409, 'IDEMPOTENCY_KEY_REUSED');
    expect((await api.account(id)).balanceMillicredits).toBe(balance);
  });

  it('an Idempotency-Key is scoped per operation: the same key for a charge and a hold are two requests', async () => {
    const { id } = await api.createAccount({ plan: 'basic' });
    const key = randomUUID();
    const charge = await api.charge({ accountId: id, action: 'chat.edit' }, key);
    const hold = await api.hold({ accountId: id, action: 'chat.edit' }, key);
    expect([charge.status, hold.status, hold.headers['idempotent-replayed']]).toEqual([201, 201, undefined]);
  });
});
