import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REASON_CODES, REASONS, type ReasonCode } from '@ratecard/engine';
import { ERRORS, ERROR_CODES } from '../../apps/api/src/http/error-codes';
import { expectProblem, useApi, type ApiHarness, type Reply } from '../support/api';
import { DATABASE_KINDS } from '../support/databases';
import { REPO_ROOT } from '../support/rules';

// Closed sets, one catalogue each: the reason codes (the engine's REASONS) and the problem codes
// (apps/api/src/http/error-codes.ts). The OpenAPI enums, the README tables and the statuses real
// denials answer with are derived from them, and agree.

/** The rows of the README table whose header starts with `first`. */
function readmeTable(first: string): string[][] {
  const lines = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8').split('\n');
  const at = lines.findIndex((l) => l.startsWith(`| ${first} |`));
  expect(at).toBeGreaterThan(-1);
  const rows: string[][] = [];
  for (let i = at + 2; lines[i]?.startsWith('|'); i++) rows.push(lines[i].slice(1, -1).split(' | ').map((c) => c.trim()));
  return rows;
}

/** A charge denied for `code` alone, made on a fresh account. */
const DENIALS: Record<ReasonCode, (api: ApiHarness) => Promise<Reply>> = {
  UNKNOWN_ACTION: async (api) => api.charge({ accountId: (await api.createAccount({ plan: 'basic' })).id, action: 'video.teleport' }),
  INVALID_PARAMS: async (api) => api.charge({ accountId: (await api.createAccount({ plan: 'basic' })).id, action: 'video.generate', params: { seconds: 99 } }),
  PLAN_REQUIRED: async (api) => api.charge({ accountId: (await api.createAccount({ plan: 'basic' })).id, action: 'business-os.chat' }),
  QUOTA_EXCEEDED: async (api) => {
    const { id } = await api.createAccount({ plan: 'basic' });
    for (let i = 0; i < 2; i++) expect((await api.charge({ accountId: id, action: 'site.generate' })).status).toBe(201);
    return api.charge({ accountId: id, action: 'site.generate' });
  },
  CONFIRMATION_REQUIRED: async (api) => api.charge({ accountId: (await api.createAccount({ plan: 'basic' })).id, action: 'site.regenerate' }),
  INSUFFICIENT_CREDITS: async (api) => {
    // Basic's 1,500 cr pay for five 8 s videos (256 cr); 220 cr are left for the sixth.
    const { id } = await api.createAccount({ plan: 'basic' });
    for (let i = 0; i < 5; i++) expect((await api.charge({ accountId: id, action: 'video.generate' })).status).toBe(201);
    return api.charge({ accountId: id, action: 'video.generate' });
  },
};

describe('the code catalogues', () => {
  it('README lists the reasons as the engine’s table does: order, status, capture, meaning', () => {
    expect(readmeTable('Reason')).toEqual(REASON_CODES.map((c) => [`\`${c}\``, String(REASONS[c].status), REASONS[c].blocksCapture ? 'yes' : 'no', REASONS[c].meaning]));
  });

  it('README lists every other problem code with its status and meaning, as the catalogue does', () => {
    const others = ERROR_CODES.filter((c) => !(REASON_CODES as readonly string[]).includes(c));
    expect(readmeTable('Code')).toEqual(others.map((c) => [`\`${c}\``, String(ERRORS[c].status), ERRORS[c].meaning]));
  });

  it('the problem catalogue holds every reason with the engine’s status', () => {
    for (const c of REASON_CODES) expect(ERRORS[c].status).toBe(REASONS[c].status);
  });
});

describe.each(DATABASE_KINDS)('the code catalogues over HTTP on %s', (kind) => {
  const api = useApi(kind);

  it('the OpenAPI document’s enums are the catalogues', async () => {
    const { schemas } = (await api.anonymous.get('/docs/openapi.json')).body.components;
    expect(schemas.ReasonSchema.properties.code.enum).toEqual(REASON_CODES);
    expect(schemas.ProblemSchema.properties.code.enum).toEqual(ERROR_CODES);
  });

  it.each(REASON_CODES)('a charge denied for %s answers the catalogue’s status with that code', async (code) => {
    const res = await DENIALS[code](api);
    expectProblem(res, REASONS[code].status, code);
    expect(res.body.decision.reasons.map((r: { code: string }) => r.code)).toEqual([code]);
  });

  it('with several reasons, the first in the catalogue’s order decides', async () => {
    // 4K HD video on Basic: Premium only, and 2,720 cr against a balance of 1,500.
    const { id } = await api.createAccount({ plan: 'basic' });
    const res = await api.charge({ accountId: id, action: 'video.generate', params: { tier: 'hd', resolution: '4k', seconds: 8 } });
    const codes = res.body.decision.reasons.map((r: { code: string }) => r.code);
    expect(codes).toEqual(expect.arrayContaining(['PLAN_REQUIRED', 'INSUFFICIENT_CREDITS']));
    expectProblem(res, 403, 'PLAN_REQUIRED');
  });
});
