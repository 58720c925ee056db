// The revenue basis: 开票金额 (invoice lines by invoice date) by default where the warehouse has
// invoices, 订单金额 one click away; the switch changes the figures and the URL, and every label
// names the basis and says 不含税.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, open, rowsOf, hydrated, shots } from '../harness.mjs';

/** The numbers in column `n` (1-based) of the main table. */
async function column(p, n) {
  return p.$$eval(`table[data-testid=table] tbody tr td:nth-child(${n})`, (tds) =>
    tds.map((td) => Number(td.textContent.replace(/[^0-9.-]/g, ''))));
}

test('top sellers: invoiced by default, the switch shows order value and back', async ({ browser, good }) => {
  const { p, errors } = await open(browser, `${good.url}/sales/top-sellers?top=20`);
  await rowsOf(p);
  await hydrated(p);
  const label = p.locator('[data-testid=basis-label]');
  assert.equal(await label.textContent(), '金额口径：开票金额（不含税）');
  assert.equal(await p.getAttribute('a[data-basis=invoiced]', 'aria-current'), 'true');
  assert.match(await p.textContent('table[data-testid=table] thead'), /开票金额（不含税）/);
  const invoiced = await column(p, 6);
  assert.ok(invoiced.length === 20 && invoiced.every((v) => v > 0), JSON.stringify(invoiced));

  await p.click('a[data-basis=ordered]');
  await p.waitForURL(/basis=ordered/);
  assert.match(p.url(), /top=20/, 'the other parameters stay');
  await p.waitForFunction(() => document.querySelector('[data-testid=basis-label]')?.textContent.includes('订单金额（不含税）'));
  assert.equal(await p.getAttribute('a[data-basis=ordered]', 'aria-current'), 'true');
  assert.match(await p.textContent('table[data-testid=table] thead'), /订单金额（不含税）/);
  const ordered = await column(p, 6);
  assert.notDeepEqual(ordered, invoiced, 'order value differs from invoiced value');
  await p.screenshot({ path: join(shots, 'top-sellers-ordered.png'), fullPage: true });

  // The form keeps the basis when another parameter changes.
  await p.fill('input[name=top]', '5');
  await p.click('form.params button[type=submit]');
  await p.waitForURL(/top=5/);
  assert.match(p.url(), /basis=ordered/);
  await p.waitForFunction(() => document.querySelectorAll('table[data-testid=table] tbody tr').length === 5);
  assert.deepEqual(await column(p, 6), ordered.slice(0, 5));

  await p.click('a[data-basis=invoiced]');
  await p.waitForURL(/basis=invoiced/);
  await p.waitForFunction(() => document.querySelector('[data-testid=basis-label]')?.textContent.includes('开票金额（不含税）'));
  await p.waitForFunction(() => document.querySelectorAll('table[data-testid=table] tbody tr').length === 5);
  assert.deepEqual(await column(p, 6), invoiced.slice(0, 5));
  assert.deepEqual(errors, []);
  await p.context().close();
});

test('customers: spend and order counts follow the basis', async ({ browser, good }) => {
  const { p } = await open(browser, `${good.url}/sales/customers?sort=spent&basis=invoiced`);
  await rowsOf(p);
  assert.match(await p.textContent('table[data-testid=table] thead'), /消费总额（开票，不含税）/);
  const invoiced = await column(p, 5);
  const ordered = await open(browser, `${good.url}/sales/customers?sort=spent&basis=ordered`);
  await rowsOf(ordered.p);
  assert.match(await ordered.p.textContent('table[data-testid=table] thead'), /消费总额（订单，不含税）/);
  assert.notDeepEqual(await column(ordered.p, 5), invoiced);
  await ordered.p.context().close();
  await p.context().close();
});

test('inventory says its demand is on orders; a bad basis is named', async ({ browser, good }) => {
  const { p } = await open(browser, `${good.url}/sales/inventory`);
  await rowsOf(p);
  assert.match(await p.textContent('[data-testid=basis-label]'), /按订单统计（订单金额，不含税）/);
  assert.equal(await p.locator('a[data-basis]').count(), 0);
  await p.context().close();

  const bad = await open(browser, `${good.url}/sales/affinity?basis=shipped`);
  assert.equal(bad.response.status(), 400);
  await bad.p.locator('[data-testid=error]').waitFor();
  assert.match(await bad.p.textContent('[data-testid=error]'), /金额口径（basis）：不支持“shipped”，可选值为 invoiced、ordered/);
  await bad.p.context().close();
});
