// The five sales analyses: rows, charts, parameters in the form and the URL, sorting, bad input, an unreachable database.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, open, rowsOf, hydrated, shots, ANALYSES, fetchAs } from '../harness.mjs';

test('home presents the five analyses', async ({ browser, good }) => {
  const { p, errors } = await open(browser, good.url + '/');
  const cards = p.locator('a.card');
  assert.equal(await cards.count(), 5);
  assert.match(await p.textContent('body'), /热销商品分析[\s\S]*商品关联分析[\s\S]*库存状态分析[\s\S]*客户行为分析[\s\S]*季节性销售趋势/);
  await p.screenshot({ path: join(shots, 'home.png'), fullPage: true });
  await cards.nth(1).click();
  await p.waitForURL(/\/sales\/affinity$/);
  assert.ok(await (await rowsOf(p)).count() > 0);
  assert.deepEqual(errors, []);
  await p.context().close();
});

for (const slug of ANALYSES) {
  test(`${slug}: rows and a rendered chart`, async ({ browser, good }) => {
    const { p, errors, response } = await open(browser, `${good.url}/sales/${slug}`);
    assert.equal(response.status(), 200);
    const rows = await rowsOf(p);
    assert.ok(await rows.count() > 0, 'table has rows');
    // ECharts draws into a canvas inside the chart box once the page has hydrated.
    await p.waitForSelector('.chart canvas', { timeout: 30_000 });
    const box = await p.locator('.chart canvas').first().boundingBox();
    assert.ok(box && box.width > 300 && box.height > 300, `chart canvas is drawn (${JSON.stringify(box)})`);
    assert.match(await p.textContent('[data-testid=summary]'), /SQLite/);
    await p.waitForTimeout(1500); // let the chart's entry animation finish for the screenshot
    await p.screenshot({ path: join(shots, `${slug}.png`), fullPage: true });
    assert.deepEqual(errors, []);
    await p.context().close();
  });
}

test('changing a parameter in the form changes the data and the URL', async ({ browser, good }) => {
  const { p } = await open(browser, `${good.url}/sales/top-sellers`);
  assert.equal(await (await rowsOf(p)).count(), 10);
  const firstBefore = await p.locator('table[data-testid=table] tbody tr').first().textContent();
  await p.fill('input[name=top]', '4');
  await p.fill('input[name=from]', '2014-03-01');
  await p.fill('input[name=to]', '2014-03-31');
  await p.click('form.params button[type=submit]');
  await p.waitForURL(/top=4/);
  assert.match(p.url(), /from=2014-03-01/);
  await p.waitForFunction(() => document.querySelectorAll('table[data-testid=table] tbody tr').length === 4);
  const firstAfter = await p.locator('table[data-testid=table] tbody tr').first().textContent();
  assert.notEqual(firstAfter, firstBefore);
  assert.match(await p.textContent('[data-testid=summary]'), /2014-03-01 ~ 2014-03-31/);
  // The URL alone reproduces the view (bookmark / share).
  const shared = await open(browser, p.url());
  assert.equal(await (await rowsOf(shared.p)).count(), 4);
  await shared.p.context().close();
  await p.screenshot({ path: join(shots, 'top-sellers-changed.png'), fullPage: true });
  await p.context().close();
});

test('sorting by a column header reorders the table', async ({ browser, good }) => {
  const { p } = await open(browser, `${good.url}/sales/affinity?min_co=3`);
  await rowsOf(p);
  await p.click('th a[data-sort=co]');
  await p.waitForURL(/sort=co/);
  await p.waitForSelector('th.sorted a[data-sort=co]');
  const co = await p.$$eval('table[data-testid=table] tbody tr td:nth-child(4)', (tds) => tds.map((td) => Number(td.textContent.replace(/,/g, ''))));
  assert.ok(co.length > 1);
  assert.deepEqual(co, [...co].sort((a, b) => b - a));
  await p.context().close();
});

test('bad parameters show a specific message and answer 400', async ({ browser, good }) => {
  const cases = [
    ['/sales/top-sellers?top=-5', /显示条数（top）：必须在 1 到 500 之间/],
    ['/sales/top-sellers?top=99999999999999', /必须在 1 到 500 之间|不是有效的整数/],
    ['/sales/affinity?from=2016-05-01&to=2016-01-01', /开始日期 2016-05-01 晚于结束日期 2016-01-01/],
    ['/sales/inventory?from=2016-02-30', /不是有效日期/],
    ['/sales/customers?sort=%3Cscript%3E', /排序方式（sort）：不支持“<script>”/],
  ];
  for (const [path, message] of cases) {
    const { p, response } = await open(browser, good.url + path);
    assert.equal(response.status(), 400, path);
    const alert = p.locator('[data-testid=error]');
    await alert.waitFor();
    assert.match(await alert.textContent(), message, path);
    await p.context().close();
  }
  const { p, response } = await open(browser, good.url + '/sales/no-such-analysis');
  assert.equal(response.status(), 404);
  assert.match(await p.textContent('[data-testid=error]'), /未知的分析类型：“no-such-analysis”/);
  await p.screenshot({ path: join(shots, 'unknown-analysis.png') });
  await p.context().close();
});

test('the server function itself answers 400 with the reason', async ({ good }) => {
  const res = await fetchAs(`${good.url}/api/sales/run_analysis`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'seasonal', query: [['top', 'abc']] }),
  });
  assert.equal(res.status, 400);
  const body = await res.text();
  assert.match(body, /NotAWholeNumber/);
  assert.doesNotMatch(body, /panicked/);
});

test('an unreachable database shows the error on the page', async ({ browser, broken }) => {
  const { p, response } = await open(browser, `${broken.url}/sales/top-sellers`);
  assert.equal(response.status(), 503);
  const alert = p.locator('[data-testid=error]');
  await alert.waitFor();
  assert.match(await alert.textContent(), /无法连接销售数据库/);
  assert.doesNotMatch(await p.content(), /not-a-real-password/);
  await p.screenshot({ path: join(shots, 'database-unreachable.png') });
  await p.context().close();
  assert.doesNotMatch(broken.log(), /not-a-real-password/);
});


test('a refused parameter keeps the form with the entered values beside the message', async ({ browser, good }) => {
  const { p, response } = await open(browser, `${good.url}/sales/inventory?critical=300&low=200&top=12&sort=cover`);
  assert.equal(response.status(), 400);
  await p.locator('[data-testid=error]').waitFor();
  assert.equal(await p.inputValue('form.params input[name=critical]'), '300');
  assert.equal(await p.inputValue('form.params input[name=low]'), '200');
  assert.equal(await p.inputValue('form.params input[name=top]'), '12');
  assert.equal(await p.locator('form.params input[name=sort]').getAttribute('value'), 'cover');
  // The message sits below the form, which is usable at once.
  const form = await p.locator('form.params').boundingBox();
  const alert = await p.locator('[data-testid=error]').boundingBox();
  assert.ok(alert.y > form.y, 'message below the form');
  await hydrated(p);
  await p.fill('form.params input[name=critical]', '40');
  await p.click('form.params button[type=submit]');
  await p.waitForURL(/critical=40/);
  assert.match(p.url(), /sort=cover/);
  assert.ok(await (await rowsOf(p)).count() > 0);
  assert.equal(await p.locator('[data-testid=error]').count(), 0);
  await p.context().close();
});
