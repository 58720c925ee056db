// Every page with JavaScript disabled: the server renders the whole content (Async SSR), so a
// page is readable, its form submits and its links work before (or without) the WASM.
import assert from 'node:assert/strict';
import { test, open, ANALYSES } from '../harness.mjs';

const noJs = { javaScriptEnabled: false };

test('home lists the five analyses', async ({ browser, good }) => {
  const { p, response } = await open(browser, `${good.url}/`, noJs);
  assert.equal(response.status(), 200);
  for (const slug of ANALYSES) {
    assert.equal(await p.locator(`main a[href="/sales/${slug}"]`).count() > 0, true, `a link to ${slug}`);
  }
  assert.equal(await p.locator('body[data-hydrated]').count(), 0, 'nothing ran in the page');
  await p.context().close();
});

for (const slug of ANALYSES) {
  test(`${slug}: heading, summary, form and rows come from the server`, async ({ browser, good }) => {
    const { p, response } = await open(browser, `${good.url}/sales/${slug}`, noJs);
    assert.equal(response.status(), 200);
    assert.ok((await p.textContent('main h1')).trim().length > 0);
    assert.match(await p.textContent('[data-testid=summary]'), /\d{4}-\d{2}-\d{2} ~ \d{4}-\d{2}-\d{2}/);
    assert.ok(await p.locator('form.params input[name=from]').count() === 1);
    assert.ok(await p.locator('table[data-testid=table] tbody tr').count() > 0, 'table rows');
    await p.context().close();
  });
}

test('the parameter form and a sort header work as plain HTML', async ({ browser, good }) => {
  const { p } = await open(browser, `${good.url}/sales/top-sellers`, noJs);
  await p.fill('form.params input[name=top]', '4');
  await Promise.all([p.waitForURL(/[?&]top=4(&|$)/), p.click('form.params button[type=submit]')]);
  assert.equal(await p.locator('table[data-testid=table] tbody tr').count(), 4);
  await Promise.all([p.waitForURL(/[?&]sort=quantity(&|$)/), p.click('th a[data-sort=quantity]')]);
  assert.equal(await p.locator('th[aria-sort=descending] a[data-sort=quantity]').count(), 1);
  assert.equal(await p.locator('table[data-testid=table] tbody tr').count(), 4, 'the sort link keeps top');
  await p.context().close();
});

test('a refused parameter shows the message and the form, without script', async ({ browser, good }) => {
  const { p, response } = await open(browser, `${good.url}/sales/inventory?critical=-1`, noJs);
  assert.equal(response.status(), 400);
  assert.match(await p.textContent('[data-testid=error]'), /critical/);
  assert.equal(await p.inputValue('form.params input[name=critical]'), '-1');
  await p.context().close();
});

test('the gallery and the AI cost page render on the server', async ({ browser, good }) => {
  const gallery = await open(browser, `${good.url}/images`, noJs);
  assert.equal(gallery.response.status(), 200);
  assert.ok((await gallery.p.textContent('main h1')).trim().length > 0);
  await gallery.p.context().close();

  const { p, response } = await open(browser, `${good.url}/ai-cost`, noJs);
  assert.equal(response.status(), 200);
  await p.locator('[data-testid=cost-page]').waitFor();
  assert.equal(await p.locator('[data-testid=sync-button]').count(), 1);
  const cards = await p.locator('[data-testid=card-total], [data-testid=cost-empty]').count();
  assert.ok(cards > 0, 'the totals (or the note that nothing is synced yet) are in the HTML');
  await p.context().close();
});

test('额度管理 renders on the server: the table (or its empty note), the alert filter, the settings', async ({ browser, good }) => {
  const { p, response } = await open(browser, `${good.url}/quota?undelivered=1`, { ...noJs, role: 'viewer' });
  assert.equal(response.status(), 200);
  await p.locator('[data-testid=quota-page]').waitFor();
  assert.ok(await p.locator('[data-testid=quota-table], [data-testid=quota-empty]').count() > 0, 'the list is in the HTML');
  assert.equal(await p.locator('form[data-testid=alert-filter] input[name=undelivered]:checked').count(), 1, 'the filter reads the URL');
  assert.ok(await p.locator('[data-testid=alerts-table], [data-testid=alerts-empty]').count() > 0);
  assert.ok(await p.locator('[data-testid=settings-facts] [data-testid=interval]').count() === 1);
  assert.equal(await p.locator('[data-testid=check-now]').count(), 0, 'no action for a viewer');
  await p.context().close();
});
