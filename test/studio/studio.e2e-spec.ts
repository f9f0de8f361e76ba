import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { START, useApi, type Json } from '../support/api';
import { ensureStudioBuilt, launchBrowser, seriousViolations } from '../support/browser';
import { REPO_ROOT, RULES_DIR } from '../support/rules';

// The Studio in a real Chromium against the real API on a temporary SQLite database: the PM's
// story (a typo shown at its line as it is typed, fixed, cases, diff, impact, publish, activate,
// then a charge priced by the new version) and the auditor's (that charge traced to its rule line),
// what an auditor and a service key may not do, keyboard use, and axe-core on every page. The
// screenshots in docs/studio/ are taken here.

const SHOTS = join(REPO_ROOT, 'docs', 'studio');
const EDITING = readFileSync(join(RULES_DIR, 'editing.yaml'), 'utf8');
const EDITING_CASES = readFileSync(join(RULES_DIR, 'editing.test.yaml'), 'utf8');

/** The chat edit at 0.75 cr, as the PM means it; with a typo in the unit first. */
const PRICE_LINE = 'price: { rate: 0.5 cr/edit, label: Chat edit (surgical patch) }';
const TYPO = EDITING.replace(PRICE_LINE, 'price: { rate: 0.75 cr/edt, label: Chat edit (surgical patch) }');
const FIXED = EDITING.replace(PRICE_LINE, 'price: { rate: 0.75 cr/edit, label: Chat edit (surgical patch) }');
/** The five chat-edit cases updated to the new price (and the balance edges to 0.749 / 0.75). */
const CASES_FIXED = EDITING_CASES.split('\n')
  .map((l) => (l.includes('action: chat.edit') ? l.replace(/cost: 0\.5\b/g, 'cost: 0.75').replace('0.5 cr/edit', '0.75 cr/edit').replace('balance: 0.499', 'balance: 0.749').replace('balance: 0.5,', 'balance: 0.75,').replace("'0.499 cr cannot", "'0.749 cr cannot").replace("'0.5 cr pays", "'0.75 cr pays") : l))
  .join('\n');
const PRICE_LINE_NUMBER = EDITING.split('\n').findIndex((l) => l.includes(PRICE_LINE)) + 1;

// Each step waits for what a person would see; a step that never appears fails after 20 s.
jest.setTimeout(60_000);

/** The button of a file in the editor's file list, by its exact name. */
function fileButton(page: Page, name: string) {
  return page.locator('button.file').filter({ has: page.getByText(name, { exact: true }) });
}

describe('the Studio in a browser', () => {
  const api = useApi('sqlite');
  let browser: Browser;
  let auditorKey: string;
  let serviceKey: string;
  let accountId: string;
  /** Filled in by the PM's story, read by the auditor's. */
  const story: { draftId?: string; version?: string; chargeId?: string } = {};

  beforeAll(async () => {
    ensureStudioBuilt();
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchBrowser();
    // The traffic happened an hour before the tests' frozen clock, so the impact window holds it.
    api.clock.set(new Date(START.getTime() - 3_600_000));
    auditorKey = (await api.createKey('auditor', 'bob (auditor)')).key;
    serviceKey = (await api.createKey('service', 'site-builder')).key;
    accountId = (await api.createAccount({ id: 'acme', plan: 'basic' })).id;
    await api.createAccount({ id: 'globex', plan: 'premium' });
    // Real traffic for the impact preview: three chat edits and a Flux Pro image.
    for (let i = 0; i < 3; i++) expect((await api.charge({ accountId, action: 'chat.edit' })).status).toBe(201);
    expect((await api.charge({ accountId: 'globex', action: 'image.generate', params: { model: 'flux-pro', resolution: '2k' } })).status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
  });

  /** A fresh browser session (its own sessionStorage), signed in with `key`. */
  async function signIn(key: string, viewport = { width: 1280, height: 860 }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport, baseURL: api.url });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto('/studio/');
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Studio' }).waitFor();
    return { context, page };
  }

  /** No serious or critical axe violation on the page as it is; a screenshot for the docs. */
  async function check(page: Page, name: string): Promise<void> {
    expect({ page: name, violations: await seriousViolations(page) }).toEqual({ page: name, violations: [] });
    await page.screenshot({ path: join(SHOTS, `${name}.png`) });
  }

  /** Replaces the text of the open file in the editor, as a paste does. */
  async function paste(page: Page, text: string): Promise<void> {
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(text);
  }

  describe("the PM's story", () => {
    let page: Page;
    let context: BrowserContext;
    beforeAll(async () => {
      ({ context, page } = await signIn(api.admin.key!));
    }, 60_000);
    afterAll(() => context?.close());

    it('shows the customer price list and the per-plan grid of the active version', async () => {
      await page.getByRole('heading', { name: 'Price list', level: 1 }).waitFor();
      const flux = page.getByRole('row', { name: /Flux Pro/ }).first();
      await flux.waitFor();
      expect(await flux.textContent()).toContain('16 cr');
      await check(page, 'price-list');

      // Keyboard: the tabs move with the arrow keys.
      await page.getByRole('tab', { name: 'Customer price list' }).focus();
      await page.keyboard.press('ArrowRight');
      await page.getByRole('tab', { name: 'Plan grid', selected: true }).waitFor();
      const fluxRow = page.locator('tbody', { hasText: 'image.generate' }).locator('tr', { hasText: 'flux-pro' });
      await fluxRow.waitFor();
      expect((await fluxRow.locator('td.cell').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim())).toEqual([
        expect.stringMatching(/^✕ needs Pro/),
        expect.stringMatching(/^✓ 16 cr/),
        expect.stringMatching(/^✓ 16 cr/),
      ]);
      await check(page, 'plan-grid');
    });

    it('starts a draft, shows a typo at its line as it is typed, and clears it when fixed', async () => {
      await page.getByRole('link', { name: 'Drafts' }).click();
      await page.getByText('No drafts yet').waitFor();
      await page.getByRole('button', { name: 'New draft' }).click();
      const dialog = page.getByRole('dialog', { name: 'New draft' });
      await dialog.getByLabel('Name').fill('chat edits at 0.75 cr');
      await dialog.getByRole('button', { name: 'Start draft' }).click();
      await page.getByRole('heading', { name: 'chat edits at 0.75 cr', level: 1 }).waitFor();
      story.draftId = page.url().split('/').pop();
      expect(story.draftId).toMatch(/^draft_/);
      await page.getByText(/valid · version/).waitFor();

      await fileButton(page, 'editing.yaml').click();
      await paste(page, TYPO);
      // The diagnostic comes from the API's validator, at the line and column of the typo.
      const problem = page.locator('.diagnostics li.error').first();
      await problem.waitFor();
      expect(await problem.textContent()).toContain(`editing.yaml:${PRICE_LINE_NUMBER}:`);
      const underlined = page.locator('.cm-lintRange-error').first();
      await underlined.waitFor();
      const lineOfMark = await underlined.evaluate((el: Json) => {
        const line = el.closest('.cm-line');
        return Array.prototype.indexOf.call(line.parentElement.children, line) + 1;
      });
      expect(lineOfMark).toBe(PRICE_LINE_NUMBER);
      expect(Number(await fileButton(page, 'editing.yaml').locator('.badge').textContent())).toBeGreaterThan(0);
      await check(page, 'draft-editor-typo');

      await paste(page, FIXED);
      await page.getByText('No problems: these files would publish').waitFor();
      expect(await page.locator('.cm-lintRange-error').count()).toBe(0);

      // Save with the keyboard; the revision has the PM as author.
      await page.getByLabel('Change note').fill('chat edits 0.75 cr');
      await page.locator('.cm-content').click();
      await page.keyboard.press('Control+S');
      await page.getByText('Saved revision 2').waitFor();
    });

    it('prices a request with the draft in the quote playground, beside the active price', async () => {
      const playground = page.getByRole('form', { name: 'Quote a request with the draft' });
      await playground.getByLabel('Action').selectOption('chat.edit');
      await playground.getByRole('button', { name: 'Quote' }).click();
      const result = page.getByTestId('quote-result');
      await result.waitFor();
      expect((await result.textContent())!.replace(/\s+/g, ' ')).toContain('0.75 cr · active version 0.5 cr (+0.25 cr)');
      await check(page, 'draft-editor');
    });

    it('reviews: failing cases show expected and actual; fixed in the editor they pass', async () => {
      await page.getByRole('link', { name: 'Review & publish' }).click();
      const cases = page.getByTestId('cases');
      await cases.waitFor();
      const failed = page.locator('tr.failed');
      await failed.first().waitFor();
      expect(await failed.count()).toBe(5);
      expect((await failed.first().textContent())!).toMatch(/cost: 0\.5.*cost: 0\.75/);

      await page.getByRole('link', { name: 'Back to the editor' }).click();
      await fileButton(page, 'editing.test.yaml').click();
      await paste(page, CASES_FIXED);
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.getByText('Saved revision 3').waitFor();
      await page.getByRole('link', { name: 'Review & publish' }).click();
      await page.getByText(/All \d+ cases pass with this draft/).waitFor();
    });

    it('shows the diff against the active version and the impact on the recent traffic', async () => {
      const diff = page.getByTestId('diff');
      await diff.waitFor();
      expect((await diff.textContent())!).toContain('`chat.edit`: 0.5 cr/edit → 0.75 cr/edit (+50%)');
      expect(await diff.getByRole('row').count()).toBe(1 + 3);
      const impact = page.getByTestId('impact');
      await impact.waitFor();
      const text = (await impact.textContent())!.replace(/\s+/g, ' ');
      expect(text).toContain('Repriced3');
      expect(text).toContain('1.5 cr → 2.25 cr');
      await check(page, 'review');
    });

    it('publishes with a message and activates, each after a confirmation that says what it does', async () => {
      await page.getByRole('button', { name: 'Publish…' }).click();
      const publish = page.getByRole('dialog', { name: 'Publish this draft' });
      expect((await publish.textContent())!).toContain('does not change any price yet');
      await publish.getByLabel('Message').fill('chat edits 0.75 cr: surgical patches now run on the larger model');
      await publish.getByRole('button', { name: 'Publish' }).click();
      await page.getByText(/^Published [0-9a-f]{12}/).waitFor();
      const versions = (await api.admin.get('/v1/rulesets')).body as Json[];
      const published = versions.find((v) => v.message.startsWith('chat edits 0.75 cr'));
      expect(published).toMatchObject({ author: 'first admin', active: false });
      story.version = published.version;

      await page.getByRole('button', { name: 'Activate now…' }).click();
      const activate = page.getByRole('dialog', { name: 'Activate now' });
      expect((await activate.textContent())!).toContain(`to ${published.version.slice(0, 12)} at once`);
      await activate.getByRole('button', { name: 'Activate now' }).click();
      await page.getByText(/is active: every request is priced by it/).waitFor();
      expect((await api.anonymous.get('/health')).body.rulesetVersion).toBe(published.version);
    });

    it('a charge through the API is then priced by the new version', async () => {
      const res = await api.service.post('/v1/charges', { accountId, action: 'chat.edit' }, { idempotencyKey: 'studio-story-1' });
      expect([res.status, res.body.cost, res.body.rulesetVersion]).toEqual([201, 0.75, story.version]);
      story.chargeId = res.body.id;
    });

    it('shows the versions with their authors, messages and active periods, and diffs any two', async () => {
      await page.getByRole('link', { name: 'Versions' }).click();
      const timeline = page.locator('.timeline > li');
      await timeline.first().waitFor();
      expect(await timeline.count()).toBe(2);
      expect((await timeline.first().textContent())!).toMatch(/active.*first admin.*chat edits 0\.75 cr/s);
      await timeline.first().getByRole('link', { name: /Diff with parent/ }).click();
      await page.getByTestId('diff').waitFor();
      expect((await page.getByTestId('diff').textContent())!).toContain('price-increase');
      await check(page, 'versions');
    });

    it('shows a scheduled activation on its version, and cancels it after a confirmation', async () => {
      const parent = ((await api.admin.get('/v1/rulesets')).body as Json[]).find((v) => v.version !== story.version)!.version as string;
      const at = new Date(api.clock.now().getTime() + 24 * 3_600_000).toISOString();
      const scheduled = await api.admin.post(`/v1/rulesets/${parent}/activate`, { at });
      expect([scheduled.status, scheduled.body.pending]).toEqual([200, true]);
      await page.reload();
      const item = page.locator('.timeline > li').filter({ hasText: parent.slice(0, 12) });
      await item.getByText('scheduled', { exact: true }).waitFor();
      await item.getByRole('button', { name: 'Cancel schedule…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Cancel a scheduled activation' });
      expect((await dialog.textContent())!).toContain(`${parent.slice(0, 12)} will not become active`);
      await dialog.getByRole('button', { name: 'Cancel the schedule' }).click();
      await item.getByText('scheduled', { exact: true }).waitFor({ state: 'detached' });
      expect(((await api.auditor.get('/v1/rulesets/activations')).body as Json[]).find((a) => a.id === scheduled.body.id)).toMatchObject({ pending: false, cancelledBy: expect.any(Number) });
    });

    it('shows an account with its balance and ledger, and grants credits after a confirmation', async () => {
      await page.getByRole('link', { name: 'Accounts' }).click();
      await page.getByRole('link', { name: 'acme' }).click();
      await page.getByTestId('balance').waitFor();
      const before = (await api.account(accountId)).balance;
      await page.getByRole('button', { name: 'Grant credits…' }).click();
      const dialog = page.getByRole('dialog', { name: `Grant credits to ${accountId}` });
      await dialog.getByLabel('Credits').fill('250');
      await dialog.getByLabel('Reason').fill('goodwill for ticket 4521');
      expect((await dialog.textContent())!).toContain(`to ${before + 250} cr`.replace(/\B(?=(\d{3})+(?!\d))/g, ','));
      await dialog.getByRole('button', { name: 'Grant 250 cr' }).click();
      await page.getByText(/Granted 250 cr/).waitFor();
      expect((await api.account(accountId)).balance).toBe(before + 250);
      await page.getByRole('cell', { name: /goodwill for ticket 4521/ }).waitFor();
      await check(page, 'account');
    });
  });

  describe("the auditor's story", () => {
    let page: Page;
    let context: BrowserContext;
    beforeAll(async () => {
      ({ context, page } = await signIn(auditorKey));
    }, 60_000);
    afterAll(() => context?.close());

    it('finds the charge by account and traces each receipt line to its rule line in that version', async () => {
      await page.getByRole('link', { name: 'Charges & decisions' }).click();
      await page.getByLabel('Account', { exact: true }).fill(accountId);
      await page.getByLabel('Kind', { exact: true }).selectOption('charge');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForURL(/accountId=acme/);
      // The unfiltered rows stay until the filtered page arrives: wait for acme's charges only.
      await page.waitForFunction(() => {
        const trs = [...(globalThis as Json).document.querySelectorAll('tbody tr')];
        return trs.length > 0 && trs.every((tr: Json) => tr.cells[1].textContent === 'charge' && tr.cells[2].textContent.startsWith('acme'));
      });
      await page.getByRole('link', { name: 'Trace charge →' }).first().click();
      await page.getByRole('heading', { name: `Charge ${story.chargeId}` }).waitFor();
      // The receipt line names its rule, then where that version writes it once the locations arrive.
      const line = page.getByRole('button', { name: /Chat edit \(surgical patch\)/ }).filter({ hasText: `chat.edit/rate at editing.yaml:${PRICE_LINE_NUMBER}` });
      await line.waitFor();
      const highlighted = page.locator('.source li.hl');
      await highlighted.waitFor();
      expect([await highlighted.getAttribute('data-line'), (await highlighted.textContent())!.trim()]).toEqual([String(PRICE_LINE_NUMBER), 'price: { rate: 0.75 cr/edit, label: Chat edit (surgical patch) }']);
      expect(await page.getByRole('figure').textContent()).toContain('editing.yaml');
      await page.getByText('Which grants paid: not available on this server').or(page.getByRole('table', { name: 'Credit grants that paid the charge' })).first().waitFor();
      await check(page, 'charge');
    });

    it('reads the audit trail with keys by name, filtered by event', async () => {
      await page.getByRole('link', { name: 'Audit trail' }).click();
      await page.getByLabel('Event', { exact: true }).selectOption('ruleset.activate');
      await page.getByRole('button', { name: 'Filter' }).click();
      const rows = page.locator('tbody tr');
      await page.waitForURL(/event=ruleset\.activate/);
      // The unfiltered rows stay until the filtered page arrives.
      await page.waitForFunction(() => {
        const trs = [...(globalThis as Json).document.querySelectorAll('tbody tr')];
        return trs.length > 0 && trs.every((tr: Json) => tr.textContent.includes('ruleset.activate'));
      });
      expect(await rows.count()).toBe(2);
      expect((await rows.first().textContent())!).toContain('first admin');
      await check(page, 'audit-trail');
    });

    it('cannot publish: the review offers no action, and the API refuses the key', async () => {
      await page.goto(`/studio/drafts/${story.draftId}/review`);
      await page.getByText('Publishing, activating and rolling back need an admin key').waitFor();
      expect(await page.getByRole('button', { name: 'Publish…' }).count()).toBe(0);
      await page.goto(`/studio/drafts/${story.draftId}`);
      await page.getByText('Read-only: your auditor key can read drafts but not change them.').waitFor();
      expect(await page.locator('.cm-content').getAttribute('contenteditable')).toBe('false');
      const refused = await api.client(auditorKey).post('/v1/rulesets', { files: [{ path: 'editing.yaml', text: FIXED }], message: 'sneaky' });
      expect([refused.status, refused.body.code]).toEqual([403, 'FORBIDDEN']);
      await page.goto(`/studio/accounts/${accountId}`);
      await page.getByTestId('balance').waitFor();
      expect(await page.getByRole('button', { name: 'Grant credits…' }).count()).toBe(0);
    });
  });

  describe('signing in', () => {
    it('refuses a service key and an unknown key, and keeps the key in the session only', async () => {
      const context = await browser.newContext({ baseURL: api.url });
      const page = await context.newPage();
      await page.goto('/studio/charges');
      await page.getByLabel('API key').fill(serviceKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').filter({ hasText: 'is a service key' }).waitFor();
      await check(page, 'sign-in');
      await page.getByLabel('API key').fill('rck_not_a_key_at_all_0000000000');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').filter({ hasText: 'unknown or revoked' }).waitFor();

      await page.getByLabel('API key').fill(auditorKey);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Charges & decisions' }).waitFor();
      expect(await page.evaluate(() => [Object.values((globalThis as Json).sessionStorage), Object.keys((globalThis as Json).localStorage), (globalThis as Json).document.cookie])).toEqual([[auditorKey], [], '']);
      // A page of its own survives a reload (history fallback); signing out forgets the key.
      await page.reload();
      await page.getByRole('heading', { name: 'Charges & decisions' }).waitFor();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('API key').waitFor();
      expect(await page.evaluate(() => Object.keys((globalThis as Json).sessionStorage))).toEqual([]);
      await context.close();
    });

    it('skips to the content from the keyboard, and works on a laptop screen', async () => {
      const { context, page } = await signIn(auditorKey, { width: 1366, height: 768 });
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => (globalThis as Json).document.activeElement?.textContent)).toBe('Skip to content');
      await page.keyboard.press('Enter');
      expect(await page.evaluate(() => (globalThis as Json).document.activeElement?.id)).toBe('main');
      await page.goto(`/studio/drafts`);
      await page.getByRole('link', { name: 'chat edits at 0.75 cr' }).waitFor();
      const overflow = await page.evaluate(() => (globalThis as Json).document.documentElement.scrollWidth - (globalThis as Json).document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await check(page, 'drafts');
      await context.close();
    });
  });
});
