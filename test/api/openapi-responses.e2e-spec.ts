import { randomUUID } from 'node:crypto';
import Ajv, { type ValidateFunction } from 'ajv';
import { ALTERNATIVE_KINDS } from '@ratecard/engine';
import { bundledRulesWith, rawRulesWith, START, useApi, type Client, type Json, type Reply, type Send } from '../support/api';
import { DATABASE_KINDS } from '../support/databases';
import { readRuleFiles } from '../support/rules';

// The OpenAPI document says what every route returns, and it is true: real responses of every route
// (successes, replays and problems), on SQLite and PostgreSQL, are checked against the document's
// schemas with every documented object closed (a field the document does not list fails, as the
// refunds of GET /v1/charges/:id did) and nullable fields explicit. An object whose fields are free
// (an action's `params`) must say so (`additionalProperties`). Every route of the document must be
// answered here with a 2xx at least once: a new route needs a call below.

type Schema = Record<string, unknown>;

/** OpenAPI 3.0 schema -> JSON Schema for Ajv, with every object that lists properties closed. */
function strict(schema: unknown, where: string, loose: string[]): unknown {
  if (Array.isArray(schema)) return schema.map((s, i) => strict(s, `${where}[${i}]`, loose));
  if (typeof schema !== 'object' || schema === null) return schema;
  const s = { ...(schema as Schema) };
  if (typeof s.$ref === 'string') s.$ref = `openapi${s.$ref}`;
  for (const key of ['properties', 'patternProperties']) {
    if (s[key]) s[key] = Object.fromEntries(Object.entries(s[key] as Schema).map(([k, v]) => [k, strict(v, `${where}.${k}`, loose)]));
  }
  for (const key of ['items', 'additionalProperties', 'allOf', 'anyOf', 'oneOf', 'not']) if (typeof s[key] === 'object') s[key] = strict(s[key], `${where}.${key}`, loose);
  const composed = s.$ref !== undefined || s.allOf !== undefined || s.anyOf !== undefined || s.oneOf !== undefined;
  if (s.type === 'object' && !composed && !s.properties && s.additionalProperties === undefined) loose.push(where);
  if (s.properties && s.additionalProperties === undefined) s.additionalProperties = false;
  if (s.nullable === true) {
    delete s.nullable;
    if (!composed) return { ...s, type: [s.type, 'null'] };
    delete s.type;
    return { anyOf: [s, { type: 'null' }] };
  }
  return s;
}

interface Seen {
  readonly method: string;
  readonly route: string;
  readonly reply: Reply;
}

describe.each(DATABASE_KINDS)('responses and the OpenAPI document on %s', (kind) => {
  const api = useApi(kind);
  const seen: Seen[] = [];
  let doc: Json;
  let ajv: Ajv;
  const loose: string[] = [];
  const validators = new Map<string, ValidateFunction>();

  /** Sends `method route` (`{id}` filled from `params`) and records the answer. */
  async function call(client: Client, method: string, route: string, params: Record<string, string> = {}, send: Send = {}): Promise<Reply> {
    const path = route.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(params[k]));
    const reply = await client.request(method, path, send);
    seen.push({ method: method.toLowerCase(), route: route.split('?')[0], reply });
    return reply;
  }

  function validator(key: string, schema: unknown): ValidateFunction {
    let v = validators.get(key);
    if (!v) {
      v = ajv.compile(strict(schema, key, loose) as Schema);
      validators.set(key, v);
    }
    return v;
  }

  /** What is wrong with one answer, by the document. */
  function check({ method, route, reply }: Seen): string[] {
    const at = `${method.toUpperCase()} ${route} ${reply.status}`;
    const type = reply.headers['content-type'] ?? '';
    if (type.startsWith('application/problem+json')) {
      const v = validator('problem', { $ref: '#/components/schemas/ProblemSchema' });
      return v(reply.body) ? [] : [`${at}: ${ajv.errorsText(v.errors)} in ${JSON.stringify(reply.body).slice(0, 300)}`];
    }
    const operation = doc.paths[route]?.[method];
    if (!operation) return [`${at}: the route is not in the document`];
    const response = operation.responses?.[String(reply.status)];
    if (!response) return [`${at}: the document lists no ${reply.status} for this route`];
    if (!type.startsWith('application/json')) return [];
    const schema = response.content?.['application/json']?.schema;
    if (!schema) return [`${at}: the document gives no schema for this answer`];
    const v = validator(`${at}`, schema);
    return v(reply.body) ? [] : [`${at}: ${ajv.errorsText(v.errors)} in ${JSON.stringify(reply.body).slice(0, 300)}`];
  }

  beforeAll(async () => {
    doc = (await api.anonymous.get('/docs/openapi.json')).body;
    ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    const schemas = Object.fromEntries(Object.entries(doc.components.schemas as Record<string, unknown>).map(([name, s]) => [name, strict(s, name, loose)]));
    ajv.addSchema({ $id: 'openapi', components: { schemas } });
  });

  it('every answer of every route matches the schema the document gives for it', async () => {
    const { admin, service, auditor, anonymous } = api;
    const key = (): Send => ({ idempotencyKey: randomUUID() });

    await call(anonymous, 'GET', '/health');
    await call(service, 'GET', '/v1/whoami');
    const account = (await call(admin, 'POST', '/v1/accounts', {}, { body: { id: `acct-${randomUUID().slice(0, 8)}`, plan: 'basic' } })).body;
    const id = account.id as string;
    await call(admin, 'POST', '/v1/accounts', {}, { body: { id, plan: 'basic' } });
    await call(service, 'GET', '/v1/accounts/{id}', { id });
    await call(admin, 'POST', '/v1/accounts/{id}/grants', { id }, { body: { amount: 10, reason: 'goodwill' } });
    await call(admin, 'POST', '/v1/accounts/{id}/grants', { id }, { body: { amount: 10, reason: 'goodwill', expiresAt: '2020-01-01T00:00:00Z' } });
    await call(service, 'GET', '/v1/accounts/{id}/grants', { id });
    await call(auditor, 'GET', '/v1/accounts');
    await call(auditor, 'GET', '/v1/accounts?prefix=acct-&limit=1');
    await call(service, 'POST', '/v1/accounts/{id}/packs', { id }, { body: { pack: 'boost-500' }, ...key() });

    await call(service, 'POST', '/v1/decisions', {}, { body: { accountId: id, action: 'video.generate', params: { seconds: 2 } } });
    await call(service, 'POST', '/v1/decisions', {}, { body: { accountId: id, action: 'business-os.chat' } });
    await call(service, 'POST', '/v1/decisions', {}, { body: { accountId: id, action: 'video.teleport' } });
    await call(service, 'POST', '/v1/decisions', {}, { body: { accountId: 'nobody', action: 'chat.edit' } });

    const chargeKey = key();
    const charge = (await call(service, 'POST', '/v1/charges', {}, { body: { accountId: id, action: 'video.generate', params: { seconds: 2 } }, ...chargeKey })).body;
    await call(service, 'POST', '/v1/charges', {}, { body: { accountId: id, action: 'video.generate', params: { seconds: 2 } }, ...chargeKey });
    await call(service, 'POST', '/v1/charges', {}, { body: { accountId: id, action: 'site.regenerate' }, ...key() });
    await call(service, 'POST', '/v1/charges', {}, { body: { accountId: id, action: 'chat.edit', bogus: 1 }, ...key() });
    await call(service, 'POST', '/v1/charges', {}, { body: { accountId: id, action: 'chat.edit' } });
    await call(service, 'GET', '/v1/charges/{id}', { id: charge.id });
    await call(service, 'POST', '/v1/charges/{id}/refund', { id: charge.id }, { body: { amount: 10, reason: 'failed render' }, ...key() });
    await call(auditor, 'GET', '/v1/charges/{id}', { id: charge.id });
    await call(auditor, 'GET', '/v1/charges/{id}/entries', { id: charge.id });
    await call(auditor, 'GET', '/v1/charges/{id}/entries', { id: 'ch_nope' });
    await call(service, 'POST', '/v1/charges/{id}/refund', { id: charge.id }, { body: { amount: 1000 } });

    const hold = (await call(service, 'POST', '/v1/holds', {}, { body: { accountId: id, action: 'video.generate', params: { seconds: 4 } }, ...key() })).body;
    await call(service, 'GET', '/v1/holds/{id}', { id: hold.id });
    await call(service, 'POST', '/v1/holds/{id}/capture', { id: hold.id }, { body: { params: { seconds: 3 } } });
    await call(service, 'POST', '/v1/holds/{id}/capture', { id: hold.id }, { body: {} });
    const other = (await call(service, 'POST', '/v1/holds', {}, { body: { accountId: id, action: 'chat.edit' }, ...key() })).body;
    await call(service, 'POST', '/v1/holds/{id}/release', { id: other.id });

    await call(admin, 'POST', '/v1/accounts/{id}/plan', { id }, { body: { plan: 'pro' } });
    await call(admin, 'POST', '/v1/accounts/{id}/plan', { id }, { body: { plan: 'basic' } });
    await call(auditor, 'GET', '/v1/accounts/{id}/ledger', { id });
    await call(auditor, 'GET', '/v1/accounts/{id}/ledger?limit=1', { id });
    await call(auditor, 'GET', '/v1/decisions');
    await call(auditor, 'GET', '/v1/decisions?limit=1');

    const created = (await call(admin, 'POST', '/v1/keys', {}, { body: { name: 'shape check', role: 'auditor' } })).body;
    await call(admin, 'GET', '/v1/keys');
    await call(admin, 'DELETE', '/v1/keys/{id}', { id: created.id });
    await call(service, 'GET', '/v1/keys');
    await call(anonymous, 'GET', '/v1/keys');

    const active = (await call(auditor, 'GET', '/v1/rulesets')).body.find((v: Json) => v.active).version as string;
    const pricier = await bundledRulesWith('editing.yaml', 'rate: 0.5 cr/edit', 'rate: 0.6 cr/edit');
    const published = (await call(admin, 'POST', '/v1/rulesets', {}, { body: { files: pricier, message: 'shape check' } })).body;
    await call(admin, 'POST', '/v1/rulesets', {}, { body: { files: [{ path: 'rules/plans.yaml', text: 'plans: nope' }], message: 'broken' } });
    await call(admin, 'POST', '/v1/rulesets', {}, { body: { files: rawRulesWith('editing.yaml', 'rate: 0.5 cr/edit', 'rate: 0.6 cr/edit'), message: 'cases not updated' } });
    await call(auditor, 'GET', '/v1/rulesets/{version}', { version: published.version });
    await call(auditor, 'GET', '/v1/rulesets/{version}/cases', { version: published.version });
    await call(auditor, 'GET', '/v1/rulesets/{version}/activation-report', { version: published.version });
    await call(auditor, 'GET', '/v1/rulesets/{version}/rules', { version: active });
    await call(auditor, 'GET', '/v1/rulesets/{version}/table', { version: active });
    await call(auditor, 'GET', '/v1/rulesets/{version}/grid', { version: active });
    await call(service, 'GET', '/v1/rulesets/{version}/bundle', { version: active });
    await call(service, 'GET', '/v1/rulesets/{version}/bundle', { version: active }, { headers: { 'if-none-match': `"${active}"` } });
    await call(auditor, 'GET', '/v1/rulesets/diff?from={from}&to={to}', { from: active, to: published.version });
    await call(auditor, 'GET', '/v1/rulesets/diff?from={from}&to={to}&format=md', { from: active, to: published.version });
    await call(auditor, 'POST', '/v1/rulesets/impact', {}, { body: { version: published.version } });
    await call(auditor, 'POST', '/v1/rulesets/impact', {}, { body: { files: readRuleFiles() } });

    // The workbench: files that are not a version; quotes denied for every reason that has an alternative.
    await call(auditor, 'POST', '/v1/rulesets/validate', {}, { body: { files: readRuleFiles() } });
    await call(auditor, 'POST', '/v1/rulesets/validate', {}, { body: { files: rawRulesWith('editing.yaml', 'requires: pro+', 'requires: gold+') } });
    await call(auditor, 'POST', '/v1/rulesets/test', {}, { body: { files: rawRulesWith('editing.yaml', 'rate: 0.5 cr/edit', 'rate: 0.6 cr/edit') } });
    await call(auditor, 'POST', '/v1/rulesets/test', {}, { body: { files: rawRulesWith('editing.yaml', 'requires: pro+', 'requires: gold+') } });
    await call(auditor, 'POST', '/v1/rulesets/quote', {}, { body: { files: pricier, plan: 'basic', action: 'chat.edit' } });
    await call(auditor, 'POST', '/v1/rulesets/quote', {}, { body: { version: active, plan: 'basic', action: 'image.generate', params: { model: 'flux-pro' } } });
    await call(auditor, 'POST', '/v1/rulesets/quote', {}, { body: { version: active, plan: 'basic', action: 'chat.edit', balance: 0.4 } });
    await call(auditor, 'POST', '/v1/rulesets/quote', {}, { body: { version: active, plan: 'basic', action: 'site.generate', used: { 'site.generate': 2 } } });
    await call(auditor, 'POST', '/v1/rulesets/quote', {}, { body: { plan: 'basic', action: 'chat.edit' } });
    await call(auditor, 'POST', '/v1/rulesets/diff', {}, { body: { from: active, files: pricier } });

    // Drafts: started from the active version, saved, saved again unchanged, saved on a stale revision.
    const draft = (await call(admin, 'POST', '/v1/drafts', {}, { body: { name: 'shape check' } })).body;
    const edit = { path: 'editing.yaml', text: pricier.find((f) => f.path === 'rules/editing.yaml')!.text };
    await call(admin, 'POST', '/v1/drafts/{id}/revisions', { id: draft.id }, { body: { baseRevision: 1, files: [edit], message: 'chat edits at 0.6 cr' } });
    await call(admin, 'POST', '/v1/drafts/{id}/revisions', { id: draft.id }, { body: { baseRevision: 2, files: [edit] } });
    await call(admin, 'POST', '/v1/drafts/{id}/revisions', { id: draft.id }, { body: { baseRevision: 1, files: [edit] } });
    await call(auditor, 'GET', '/v1/drafts');
    await call(auditor, 'GET', '/v1/drafts/{id}', { id: draft.id });
    await call(auditor, 'GET', '/v1/drafts/{id}?revision=1', { id: draft.id });
    await call(auditor, 'GET', '/v1/drafts/{id}', { id: 'dr_nope' });

    // Activations: now, scheduled and cancelled, refused schedules, a rollback.
    const webhook = (await call(admin, 'POST', '/v1/webhooks', {}, { body: { url: 'http://127.0.0.1:9/hooks', events: ['*'], description: 'shape check' } })).body;
    await call(admin, 'POST', '/v1/rulesets/{version}/activate', { version: published.version });
    await call(auditor, 'GET', '/v1/rulesets/activations');
    const inAnHour = new Date(START.getTime() + 3_600_000).toISOString();
    const scheduled = (await call(admin, 'POST', '/v1/rulesets/{version}/activate', { version: active }, { body: { at: inAnHour } })).body;
    await call(auditor, 'GET', '/v1/rulesets/activations');
    await call(admin, 'POST', '/v1/rulesets/activations/{id}/cancel', { id: String(scheduled.id) }, { body: {} });
    await call(admin, 'POST', '/v1/rulesets/activations/{id}/cancel', { id: String(scheduled.id) }, { body: {} });
    await call(admin, 'POST', '/v1/rulesets/activations/{id}/cancel', { id: '999999' }, { body: {} });
    await call(admin, 'POST', '/v1/rulesets/{version}/activate', { version: active }, { body: { at: START.toISOString() } });
    await call(admin, 'POST', '/v1/rulesets/rollback');
    await call(admin, 'GET', '/v1/rulesets/{version}', { version: 'abcdef012345' });

    // A version that sells a pack and has a plan more: a pack bought, then a rollback that would strand the plan's account.
    const extended = await bundledRulesWith(
      'plans.yaml',
      '# "Credits reset at your monthly billing cycle date.',
      '  - id: enterprise\n    name: Enterprise\n    allowance: 50,000 cr\n\npacks:\n  - { id: boost-500, name: Boost 500, credits: 500 cr, valid: 90 days, price: USD 9.99 }\n\n# "Credits reset at your monthly billing cycle date.',
    );
    await call(admin, 'POST', '/v1/rulesets', {}, { body: { files: extended, message: 'enterprise and a boost pack', activate: true } });
    await call(service, 'POST', '/v1/accounts/{id}/packs', { id }, { body: { pack: 'boost-500' }, ...key() });
    await call(admin, 'POST', '/v1/accounts', {}, { body: { id: `acct-${randomUUID().slice(0, 8)}`, plan: 'enterprise' } });
    await call(admin, 'POST', '/v1/rulesets/rollback');

    // Webhooks and the events the changes above made.
    await call(admin, 'POST', '/v1/webhooks', {}, { body: { url: 'ftp://example.com/hooks', events: ['*'] } });
    await call(admin, 'POST', '/v1/webhooks', {}, { body: { url: 'https://example.com/hooks', events: ['ruleset.exploded'] } });
    await call(auditor, 'GET', '/v1/webhooks');
    await call(auditor, 'GET', '/v1/webhooks/{id}', { id: webhook.id });
    await call(auditor, 'GET', '/v1/webhooks/{id}', { id: 'wh_nope' });
    const events = (await call(auditor, 'GET', '/v1/events')).body;
    await call(auditor, 'GET', '/v1/events?limit=1&type=ruleset.activated');
    await call(auditor, 'GET', '/v1/events/{id}', { id: events.items[0].id });
    await call(auditor, 'GET', '/v1/events/{id}', { id: 'evt_nope' });
    await call(admin, 'POST', '/v1/events/{id}/replay', { id: events.items[0].id }, { body: { webhookId: webhook.id } });
    await call(auditor, 'GET', '/v1/webhooks/deliveries');
    await call(admin, 'DELETE', '/v1/webhooks/{id}', { id: webhook.id });
    await call(auditor, 'GET', '/v1/audit');
    await call(auditor, 'GET', '/v1/audit?limit=1');

    expect(seen.flatMap(check)).toEqual([]);
    // Each kind of alternative was among the answers checked.
    const alternatives = seen.flatMap(({ reply }) => [...(reply.body?.alternatives ?? []), ...(reply.body?.decision?.alternatives ?? [])] as Json[]);
    expect([...new Set(alternatives.map((a) => a.kind))].sort()).toEqual([...ALTERNATIVE_KINDS].sort());
  }, 60_000);

  it('every route of the document was answered above with a 2xx, and every free-form object says so', () => {
    const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([route, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${route}`));
    const answered = new Set(seen.filter((s) => s.reply.status < 300).map((s) => `${s.method.toUpperCase()} ${s.route}`));
    expect(routes.filter((r) => !answered.has(r))).toEqual([]);
    expect([...new Set(loose)]).toEqual([]);
  });
});
