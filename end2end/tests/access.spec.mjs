// Signing in and roles, through the pages: the sign-in page (wrong password, then right), what a
// viewer can't do, the admin's users and API keys pages.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, open, hydrated, shots, fetchAs } from '../harness.mjs';
import { USERS } from '../servers.mjs';

test('a visitor is sent to sign in, a wrong password says so, the right one opens the page asked for', async ({ browser, good }) => {
  const { p, errors } = await open(browser, `${good.url}/sales/top-sellers?top=5`, { role: 'anonymous' });
  assert.match(new URL(p.url()).pathname, /^\/login$/);
  await hydrated(p);
  await p.fill('input[name=username]', USERS.analyst.username);
  await p.fill('input[name=password]', 'not-the-password');
  await p.click('button[type=submit]');
  await p.locator('[data-testid=form-error]').waitFor();
  assert.equal(await p.locator('[data-testid=form-error]').innerText(), '用户名或密码错误。');
  await p.fill('input[name=password]', USERS.analyst.password);
  await Promise.all([p.waitForURL(/\/sales\/top-sellers\?top=5$/), p.click('button[type=submit]')]);
  await p.locator('table[data-testid=table] tbody tr').first().waitFor();
  assert.equal(await p.locator('table[data-testid=table] tbody tr').count(), 5);
  await p.screenshot({ path: join(shots, 'signed-in.png') });
  // Sign out: back to the sign-in page, and the pages are closed again.
  await Promise.all([p.waitForURL(/\/login/), p.click('.sign-out button')]);
  await p.goto(`${good.url}/ai-cost`);
  assert.match(new URL(p.url()).pathname, /^\/login$/);
  assert.deepEqual(errors.filter((e) => !/401|Unauthorized/.test(e)), []);
  await p.context().close();
});

test('a viewer reads analyses and costs but cannot sync, call the model or see the admin pages', async ({ browser, good }) => {
  const { p } = await open(browser, `${good.url}/ai-cost`, { role: 'viewer' });
  await hydrated(p);
  assert.match(await p.locator('.user-menu').innerText(), /只读/);
  await p.locator('[data-testid=sync-button]').waitFor();
  // The menu shows the role, so the page knows it: the button stays disabled, and the server
  // refuses the call anyway.
  assert.equal(await p.locator('[data-testid=sync-button]').isDisabled(), true);
  const refused = await fetchAs(`${good.url}/api/billing/sync`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, 'viewer');
  assert.equal(refused.status, 403);
  assert.equal(await p.locator('nav a[href="/admin/users"]').count(), 0, 'no admin links');
  const admin = await p.goto(`${good.url}/admin/users`);
  assert.equal(admin.status(), 403);
  await p.locator('[data-testid=error]').waitFor();
  assert.match(await p.locator('[data-testid=error]').innerText(), /无权/);
  await p.goto(`${good.url}/sales/affinity`);
  await hydrated(p);
  await p.locator('[data-testid=ai-button]').waitFor();
  assert.equal(await p.locator('[data-testid=ai-button]').isDisabled(), true, 'no model calls');
  await p.context().close();
});

test('the admin creates an API key, sees it once, and the key reads the billing summary', async ({ browser, good }) => {
  const { p } = await open(browser, `${good.url}/admin/keys`, { role: 'admin' });
  await hydrated(p);
  const form = p.locator('[data-testid=create-key]');
  await form.locator('input[name=name]').fill('月度报表机器人');
  await form.locator('select[name=role]').selectOption('viewer');
  await form.locator('button[type=submit]').click();
  const shown = p.locator('[data-testid=new-key] code');
  await shown.waitFor();
  const key = await shown.innerText();
  assert.match(key, /^sp_[A-Za-z0-9_-]{43}$/);
  const row = p.locator(`tr[data-key="${key.slice(0, 11)}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /月度报表机器人/);
  assert.doesNotMatch(await p.locator('table').innerText(), new RegExp(key.slice(11)));
  await p.screenshot({ path: join(shots, 'api-keys.png') });
  const summary = await fetch(`${good.url}/api/v1/billing/summary`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(summary.status, 200);
  const sync = await fetch(`${good.url}/api/v1/billing/sync`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
  assert.equal(sync.status, 403, 'a viewer key cannot sync');
  await p.context().close();
});

test('the admin creates a user who can then sign in with the role given', async ({ browser, good }) => {
  const { p } = await open(browser, `${good.url}/admin/users`, { role: 'admin' });
  await hydrated(p);
  const form = p.locator('[data-testid=new-user]');
  await form.locator('input[name=username]').fill('zhang.wei');
  await form.locator('input[name=display_name]').fill('张伟');
  await form.locator('input[name=password]').fill('张伟的口令-2026');
  await form.locator('select[name=role]').selectOption('viewer');
  await form.locator('button[type=submit]').click();
  await p.locator('tr[data-user="zhang.wei"]').waitFor();
  assert.match(await p.locator('tr[data-user="zhang.wei"]').innerText(), /张伟/);
  await p.context().close();
  const { p: q } = await open(browser, `${good.url}/login`, { role: 'anonymous' });
  await hydrated(q);
  await q.fill('input[name=username]', 'zhang.wei');
  await q.fill('input[name=password]', '张伟的口令-2026');
  await Promise.all([q.waitForURL((u) => u.pathname === '/'), q.click('button[type=submit]')]);
  assert.match(await q.locator('.user-menu').innerText(), /张伟 · 只读/);
  await q.context().close();
});

test('signing in works without JavaScript (a plain form post)', async ({ browser, good }) => {
  const { p, response } = await open(browser, `${good.url}/login`, { role: 'anonymous', javaScriptEnabled: false });
  assert.equal(response.status(), 200);
  await p.fill('input[name=username]', USERS.viewer.username);
  await p.fill('input[name=password]', USERS.viewer.password);
  await Promise.all([p.waitForURL((u) => u.pathname === '/'), p.click('button[type=submit]')]);
  assert.match(await p.locator('.user-menu').innerText(), /只读/);
  await p.context().close();
});

test('the audit page shows sign-ins, the admin\'s changes and a sync, with a CSV export', async ({ browser, good }) => {
  const sync = await fetchAs(`${good.url}/api/billing/sync`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, 'analyst');
  assert.equal(sync.status, 200);
  const { p, response } = await open(browser, `${good.url}/admin/audit`, { role: 'admin' });
  assert.equal(response.status(), 200);
  await p.locator('[data-testid=audit-table]').waitFor();
  for (const action of ['auth.sign_in', 'auth.sign_in_failed', 'user.create', 'api_key.create', 'billing.sync']) {
    assert.ok(await p.locator(`tr[data-testid=audit-row][data-action="${action}"]`).count() > 0, `${action} is listed`);
  }
  await p.screenshot({ path: join(shots, 'audit.png') });
  const csv = await fetchAs(`${good.url}/export/audit.csv`, {}, 'admin');
  assert.equal(csv.status, 200);
  assert.match(await csv.text(), /billing\.sync/);
  const refused = await fetchAs(`${good.url}/export/audit.csv`, {}, 'analyst');
  assert.equal(refused.status, 403);
  await p.context().close();
});
