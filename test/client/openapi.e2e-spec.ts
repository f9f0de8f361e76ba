import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useApi } from '../support/api';
import { REPO_ROOT } from '../support/rules';

// The client's types are generated from the service's OpenAPI document and checked in
// (libs/client/src/generated/openapi.ts). They cannot drift: this regenerates them from the running
// service's document and fails when they differ (fix: `npm run build && npm run client:types`).
describe("the client's generated types", () => {
  const api = useApi('sqlite');

  it("are what the running service's OpenAPI document generates", async () => {
    const doc = await api.anonymous.get('/docs/openapi.json');
    expect(doc.status).toBe(200);
    const dir = mkdtempSync(join(tmpdir(), 'ratecard-openapi-check-'));
    try {
      writeFileSync(join(dir, 'openapi.json'), JSON.stringify(doc.body));
      const run = spawnSync(process.execPath, [join(REPO_ROOT, 'libs/client/scripts/openapi-types.js'), '--doc', join(dir, 'openapi.json'), '--check'], { encoding: 'utf8', timeout: 120_000 });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
