import { expectProblem, useApi, type Json } from '../support/api';
import { DATABASE_KINDS } from '../support/databases';

// Drafts over HTTP: started from a version or files, saved as append-only numbered revisions with
// their author, a save on a stale revision refused (409 DRAFT_CONFLICT), and nothing ever updated.

describe.each(DATABASE_KINDS)('drafts on %s', (kind) => {
  const api = useApi(kind);
  let active: Json;
  let adminName: string;

  beforeAll(async () => {
    const versions = (await api.admin.get('/v1/rulesets')).body as Json[];
    active = (await api.admin.get(`/v1/rulesets/${versions.find((v) => v.active).version}`)).body;
    adminName = (await api.admin.get('/v1/whoami')).body.name;
  });

  const start = async (body: Json = { name: 'chat edits at 0.75 cr' }): Promise<Json> => {
    const res = await api.admin.post('/v1/drafts', body);
    expect(res.status).toBe(201);
    return res.body;
  };
  const editing = (draft: Json): string => draft.files.find((f: Json) => f.path === 'editing.yaml').text;

  it('starts from the active version: revision 1 holds its files as written, by the key that started it', async () => {
    const draft = await start();
    expect(draft).toMatchObject({ name: 'chat edits at 0.75 cr', baseVersion: active.version, revision: 1, shownRevision: 1, createdBy: adminName, updatedBy: adminName });
    expect(draft.id).toMatch(/^draft_/);
    expect(draft.files).toEqual(active.sources);
    expect(draft.revisions).toEqual([{ number: 1, author: adminName, message: `started from ${active.version.slice(0, 12)}`, createdAt: draft.createdAt, files: active.sources.map((f: Json) => f.path) }]);
  });

  it('saves a revision on top of the latest: only the files sent change, with the author and message', async () => {
    const draft = await start();
    const text = editing(draft).replace('rate: 0.5 cr/edit', 'rate: 0.75 cr/edit');
    api.clock.advance({ minutes: 5 });
    const saved = await api.admin.post(`/v1/drafts/${draft.id}/revisions`, { baseRevision: 1, files: [{ path: 'editing.yaml', text }], message: 'chat edit 0.75' });
    expect(saved.status).toBe(201);
    expect(saved.body).toMatchObject({ created: true, revision: 2, shownRevision: 2, message: 'chat edit 0.75', updatedBy: adminName, updatedAt: '2026-03-20T12:05:00.000Z' });
    expect(editing(saved.body)).toBe(text);
    expect(saved.body.files.filter((f: Json) => f.path !== 'editing.yaml')).toEqual(active.sources.filter((f: Json) => f.path !== 'editing.yaml'));
    expect(saved.body.revisions.map((r: Json) => [r.number, r.message])).toEqual([[2, 'chat edit 0.75'], [1, `started from ${active.version.slice(0, 12)}`]]);

    const first = await api.auditor.get(`/v1/drafts/${draft.id}?revision=1`);
    expect(first.status).toBe(200);
    expect([first.body.revision, first.body.shownRevision, editing(first.body)]).toEqual([2, 1, editing(draft)]);
  });

  it('refuses a save based on a revision that is no longer the latest, and adds nothing', async () => {
    const draft = await start();
    const mine = await api.admin.post(`/v1/drafts/${draft.id}/revisions`, { baseRevision: 1, files: [{ path: 'notes.yaml', text: '# mine\n' }] });
    expect(mine.status).toBe(201);
    const theirs = await api.admin.post(`/v1/drafts/${draft.id}/revisions`, { baseRevision: 1, files: [{ path: 'notes.yaml', text: '# theirs\n' }] });
    expectProblem(theirs, 409, 'DRAFT_CONFLICT');
    expect(theirs.body).toMatchObject({ latestRevision: 2, latestAuthor: adminName });
    const now = (await api.admin.get(`/v1/drafts/${draft.id}`)).body;
    expect([now.revision, now.files.find((f: Json) => f.path === 'notes.yaml').text]).toEqual([2, '# mine\n']);
  });

  it('answers 200 and adds no revision when the files are already so', async () => {
    const draft = await start();
    const same = await api.admin.post(`/v1/drafts/${draft.id}/revisions`, { baseRevision: 1, files: [{ path: 'editing.yaml', text: editing(draft) }] });
    expect([same.status, same.body.created, same.body.revision]).toEqual([200, false, 1]);
  });

  it('removes files, and refuses paths that are not rule file names', async () => {
    const draft = await start();
    const removed = await api.admin.post(`/v1/drafts/${draft.id}/revisions`, { baseRevision: 1, remove: ['requests.test.yaml'] });
    expect(removed.status).toBe(201);
    expect(removed.body.files.map((f: Json) => f.path)).not.toContain('requests.test.yaml');
    for (const path of ['../escape.yaml', '/etc/x.yaml', 'a/../b.yaml', 'notes.txt', '.hidden.yaml']) {
      const res = await api.admin.post(`/v1/drafts/${draft.id}/revisions`, { baseRevision: 2, files: [{ path, text: 'x: 1\n' }] });
      expectProblem(res, 422, 'INVALID_FILES');
    }
    expectProblem(await api.admin.post(`/v1/drafts/${draft.id}/revisions`, { baseRevision: 2, remove: ['nope.yaml'] }), 422, 'INVALID_FILES');
    expect((await api.admin.get(`/v1/drafts/${draft.id}`)).body.revision).toBe(2);
  });

  it('starts from files or from an older version, and says which', async () => {
    const fromFiles = await start({ name: 'from files', files: active.sources });
    expect([fromFiles.baseVersion, fromFiles.files.length]).toEqual([null, active.sources.length]);
    const fromVersion = await start({ name: 'from a prefix', from: active.version.slice(0, 8) });
    expect(fromVersion.baseVersion).toBe(active.version);
    expectProblem(await api.admin.post('/v1/drafts', { name: 'both', from: active.version, files: active.sources }), 422, 'INVALID_FILES');
    expectProblem(await api.admin.post('/v1/drafts', { name: 'none such', from: 'abcdef123456' }), 404, 'VERSION_NOT_FOUND');
  });

  it('lists drafts most recently saved first, and 404s an unknown one', async () => {
    const older = await start({ name: 'older' });
    api.clock.advance({ hours: 1 });
    const newer = await start({ name: 'newer' });
    const list = (await api.auditor.get('/v1/drafts')).body as Json[];
    expect(list.findIndex((d) => d.id === newer.id)).toBeLessThan(list.findIndex((d) => d.id === older.id));
    expect(list.find((d) => d.id === newer.id)).toEqual({ id: newer.id, name: 'newer', baseVersion: active.version, createdBy: adminName, createdAt: newer.createdAt, revision: 1, updatedBy: adminName, updatedAt: newer.createdAt, message: newer.message });
    expectProblem(await api.auditor.get('/v1/drafts/draft_nope'), 404, 'DRAFT_NOT_FOUND');
    expectProblem(await api.auditor.get(`/v1/drafts/${newer.id}?revision=7`), 404, 'DRAFT_NOT_FOUND');
  });

  it('records starting and saving in the audit trail, and the database refuses to change a revision', async () => {
    const draft = await start({ name: 'audited' });
    await api.admin.post(`/v1/drafts/${draft.id}/revisions`, { baseRevision: 1, files: [{ path: 'notes.yaml', text: '# n\n' }], message: 'a note' });
    const events = (await api.auditor.get(`/v1/audit?limit=10`)).body.items.filter((e: Json) => e.target === draft.id);
    expect(events.map((e: Json) => [e.event, e.actorName])).toEqual([['draft.revise', adminName], ['draft.create', adminName]]);
    expect(events[0].details).toMatchObject({ revision: 2, message: 'a note', changed: ['notes.yaml'] });
    await expect(api.sql('update draft_revision set message = ? where draft_id = ?', ['rewritten', draft.id])).rejects.toThrow(/append-only/);
    await expect(api.sql('delete from draft where id = ?', [draft.id])).rejects.toThrow(/append-only/);
  });
});
