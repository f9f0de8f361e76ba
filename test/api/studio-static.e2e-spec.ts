import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expectProblem, useApi } from '../support/api';

// How the API serves the Studio at /studio: the page for every Studio path (history fallback),
// revalidated, with a strict content security policy; hashed assets cached for good and sent
// pre-compressed; anything else a 404 problem. Against a small build made here, so it does not
// depend on Vite.

function fakeBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ratecard-studio-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Studio</title><script type="module" src="/studio/assets/app-3f9a1c.js"></script>');
  const js = 'console.log("studio");'.repeat(50);
  writeFileSync(join(dir, 'assets', 'app-3f9a1c.js'), js);
  writeFileSync(join(dir, 'assets', 'app-3f9a1c.js.gz'), gzipSync(js));
  return dir;
}

describe('the Studio, served by the API', () => {
  const api = useApi('sqlite', { STUDIO_DIR: fakeBuild() });

  it.each(['/studio', '/studio/', '/studio/drafts/draft_x/review', '/studio/charges?accountId=acme'])('%s answers the page, revalidated, with a strict CSP', async (path) => {
    const res = await api.anonymous.get(path);
    expect(res.status).toBe(200);
    expect(res.body).toContain('/studio/assets/app-3f9a1c.js');
    expect(res.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', 'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff' });
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toMatch(/script-src[^;]*unsafe/);
  });

  it('serves hashed assets cached for a year, gzipped for a browser that accepts it', async () => {
    const plain = await api.anonymous.get('/studio/assets/app-3f9a1c.js', { headers: { 'accept-encoding': 'identity' } });
    expect(plain.status).toBe(200);
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(plain.headers['content-type']).toMatch(/javascript/);
    const res = await fetch(`${api.url}/studio/assets/app-3f9a1c.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(await res.text()).toBe(plain.body);
  });

  it.each(['/studio/assets/missing-000000.js', '/studio/assets/', '/studio/assets/nested/x.js', '/studio/assets/.hidden'])('%s is a 404 problem', async (path) => {
    expectProblem(await api.anonymous.get(path), 404, 'NOT_FOUND');
  });
});

describe('the Studio when it is not built', () => {
  const api = useApi('sqlite', { STUDIO_DIR: mkdtempSync(join(tmpdir(), 'ratecard-no-studio-')) });

  it('answers a 404 problem that says how to build it; the API is unaffected', async () => {
    const res = await api.anonymous.get('/studio/prices');
    expectProblem(res, 404, 'STUDIO_NOT_BUILT');
    expect(res.body.detail).toContain('npm run build');
    expect((await api.anonymous.get('/health')).status).toBe(200);
  });
});
