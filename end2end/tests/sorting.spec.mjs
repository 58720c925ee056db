// Sorting both ways, filters that list what the top-N cut hid (customers who stopped buying,
// slow movers) and the seasonal product × month table.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, open, rowsOf, hydrated, shots } from '../harness.mjs';

const TABLE = 'table[data-testid=table]';

/** The numbers in column `n` (1-based) of the main table: "$1,234.50" → 1234.5, a percentage
 *  "61.74 %" → 0.6174 (the ratio), "< 0.1" → 0.05 (below any shown figure); "—" reads as null. */
async function column(p, n) {
  return p.$$eval(`${TABLE} tbody tr td:nth-child(${n})`, (tds) => tds.map((td) => {
    const text = td.textContent.trim();
    if (text.startsWith('<')) return 0.05;
    const t = text.replace(/[^\d.-]/g, '');
    if (t === '') return null;
    return text.endsWith('%') ? Number(t) / 100 : Number(t);
  }));
}

test('clicking the active header flips the direction, and the header says which', async ({ browser, good }) => {
  const { p, errors } = await open(browser, `${good.url}/sales/top-sellers`);
  await hydrated(p);
  await rowsOf(p);
  // 销量 is column 9: #, 商品, 颜色, 品牌, 规格, 销售额, 客户数, 平均单价, 销量.
  await p.click('th a[data-sort=quantity]');
  await p.waitForSelector('th[aria-sort=descending] a[data-sort=quantity]');
  const desc = await column(p, 9);
  assert.equal(desc.length, 10);
  assert.deepEqual(desc, [...desc].sort((a, b) => b - a));
  assert.match(await p.textContent('th[aria-sort=descending]'), /销量 ▼/);

  await p.click('th a[data-sort=quantity]');
  await p.waitForSelector('th[aria-sort=ascending] a[data-sort=quantity]');
  assert.match(p.url(), /sort=quantity/);
  assert.match(p.url(), /dir=asc/);
  assert.match(await p.textContent('th[aria-sort=ascending]'), /销量 ▲/);
  assert.equal(await p.locator('th[aria-sort=descending]').count(), 0);
  const asc = await column(p, 9);
  assert.equal(asc.length, 10);
  assert.deepEqual(asc, [...asc].sort((a, b) => a - b));
  // Sorted before the top-10 cut: the other end of the data, not the same ten reversed.
  assert.ok(Math.max(...asc) < Math.min(...desc), `${asc} vs ${desc}`);
  await p.screenshot({ path: join(shots, 'top-sellers-ascending.png'), fullPage: true });

  // A third click goes back to descending.
  await p.click('th a[data-sort=quantity]');
  await p.waitForSelector('th[aria-sort=descending] a[data-sort=quantity]');
  assert.match(p.url(), /dir=desc/);
  assert.deepEqual(errors, []);
  await p.context().close();
});

test('a bad sort direction is named', async ({ browser, good }) => {
  const { p, response } = await open(browser, `${good.url}/sales/customers?dir=up`);
  assert.equal(response.status(), 400);
  const alert = p.locator('[data-testid=error]');
  await alert.waitFor();
  assert.match(await alert.textContent(), /排序方向（dir）：不支持“up”，可选值为 asc、desc/);
  await p.context().close();
});

test('sort=confidence marks the column it ranks by (the higher direction)', async ({ browser, good }) => {
  const { p } = await open(browser, `${good.url}/sales/affinity?min_co=3&sort=confidence`);
  await rowsOf(p);
  const head = p.locator('th[aria-sort=descending]');
  assert.equal(await head.count(), 1);
  assert.match(await head.textContent(), /置信度（取高）/);
  // Columns: #, A, B, 同购, 支持度, 置信度（取高）, A→B, B→A, 提升度.
  const best = await column(p, 6);
  const ab = await column(p, 7);
  const ba = await column(p, 8);
  assert.ok(best.length > 1);
  assert.deepEqual(best, [...best].sort((a, b) => b - a));
  best.forEach((v, i) => assert.equal(v, Math.max(ab[i], ba[i])));
  await p.context().close();
});

test('clicking a segment count lists exactly those customers', async ({ browser, good }) => {
  const { p, errors } = await open(browser, `${good.url}/sales/customers`);
  await hydrated(p);
  await rowsOf(p);
  // The segment table (rendered with the rows) counts every customer; its counts link to the lists.
  assert.equal(await p.locator('[data-testid=segments]').count(), 1);
  const link = p.locator('[data-testid=segments] a[data-status=at_risk][data-tier=all]');
  const n = Number((await link.textContent()).replace(/\D/g, ''));
  assert.ok(n > 0, 'some customers are at risk');
  await link.click();
  await p.waitForURL(/[?&]status=at_risk(&|$)/);
  await p.waitForFunction(([sel, n]) => {
    const cells = [...document.querySelectorAll(`${sel} tbody tr td:nth-child(11)`)];
    return cells.length === n && cells.every((td) => td.textContent === '流失风险');
  }, [TABLE, n]);
  assert.match(await p.textContent('[data-testid=summary]'), new RegExp(`显示条数 ${n} / ${n}`));
  assert.equal(await p.inputValue('select[name=status]'), 'at_risk');
  assert.equal(await p.getAttribute('[data-testid=segments] a[data-status=at_risk][data-tier=all]', 'aria-current'), 'true');

  // The longest absent first: days since the last order descending.
  await p.click('th a[data-sort=recency]');
  await p.waitForSelector('th[aria-sort=ascending] a[data-sort=recency]');
  await p.click('th a[data-sort=recency]');
  await p.waitForSelector('th[aria-sort=descending] a[data-sort=recency]');
  const days = await column(p, 9);
  assert.equal(days.length, n);
  assert.deepEqual(days, [...days].sort((a, b) => b - a));
  await p.screenshot({ path: join(shots, 'customers-at-risk.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await p.context().close();
});

test('the excess-stock filter lists slow movers, longest cover first', async ({ browser, good }) => {
  const { p } = await open(browser, `${good.url}/sales/inventory`);
  await hydrated(p);
  await rowsOf(p);
  // The threshold is in the form with its default; choosing the status filters the list.
  assert.equal(await p.locator('input[name=excess]').count(), 1);
  assert.equal(await p.inputValue('input[name=excess]'), '365');
  await p.selectOption('select[name=status]', 'excess');
  await p.click('form.params button[type=submit]');
  await p.waitForURL(/status=excess/);
  await p.waitForFunction((sel) => {
    const badges = [...document.querySelectorAll(`${sel} tbody tr td:last-child`)];
    return badges.length > 0 && badges.every((td) => td.textContent === '积压');
  }, TABLE);
  // 可供天数 (column 12), longest first: click it (shortest first), then again.
  await p.click('th a[data-sort=cover]');
  await p.waitForSelector('th[aria-sort=ascending] a[data-sort=cover]');
  await p.click('th a[data-sort=cover]');
  await p.waitForSelector('th[aria-sort=descending] a[data-sort=cover]');
  const cover = await column(p, 12);
  const finite = cover.filter((c) => c !== null);
  assert.ok(finite.every((c) => c > 365), `${cover}`);
  // Unsold stock (no figure) has endless cover: before every figure.
  assert.deepEqual(cover, [...cover.filter((c) => c === null), ...[...finite].sort((a, b) => b - a)]);
  await p.context().close();
});

test('seasonal: a product × month table with partial months marked', async ({ browser, good }) => {
  const { p } = await open(browser, `${good.url}/sales/seasonal?from=2015-06-15&to=2016-05-31`);
  const rows = await rowsOf(p);
  assert.equal(await rows.count(), 10);
  const months = await p.$$eval(`${TABLE} thead th[data-month]`, (ths) => ths.map((th) => [th.dataset.month, th.classList.contains('partial'), th.textContent]));
  assert.equal(months.length, 12);
  assert.deepEqual(months[0], ['2015-06', true, '2015-06*']);
  assert.ok(months.slice(1).every(([, partial]) => !partial));
  assert.match(await p.textContent('[data-testid=partial-months]'), /2015-06\*（06-15 ~ 06-30）/);
  // One row per product: #, 商品, 12 months, 销售额合计, 销量合计.
  assert.equal(await rows.first().locator('td').count(), 16);
  assert.match(await p.textContent('[data-testid=summary]'), /商品数 10 \/ \d+/);
  // Quantities instead of revenue, same products.
  const names = await p.$$eval(`${TABLE} tbody tr td:nth-child(2)`, (tds) => tds.map((td) => td.textContent));
  const shown = await open(browser, `${good.url}/sales/seasonal?from=2015-06-15&to=2016-05-31&measure=quantity`);
  await rowsOf(shown.p);
  assert.deepEqual(await shown.p.$$eval(`${TABLE} tbody tr td:nth-child(2)`, (tds) => tds.map((td) => td.textContent)), names);
  // Month cells: amounts in the default view, unit counts with measure=quantity.
  const monthCells = (page) => page.$$eval(`${TABLE} tbody tr td:nth-child(3)`, (tds) => tds.map((td) => td.textContent));
  assert.ok((await monthCells(p)).every((c) => c.startsWith('$')));
  assert.ok((await monthCells(shown.p)).every((c) => /^[\d,]+$/.test(c)));
  await shown.p.context().close();
  await p.screenshot({ path: join(shots, 'seasonal-pivot.png'), fullPage: true });
  await p.context().close();
});
