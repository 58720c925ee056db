// AI成本管理: the demo server's accounts point at the cloud simulator. Serial: the second test needs the first one's sync.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { test, open, hydrated, shots, fetchAs } from '../harness.mjs';

test.describe.configure({ mode: 'serial' });

test('AI成本管理: 同步云平台账单 shows progress per platform, then cards, charts and traceable numbers', async ({ browser, good }) => {
  const { p, errors } = await open(browser, `${good.url}/ai-cost`);
  await p.locator('[data-testid=cost-page]').waitFor();
  await p.locator('[data-testid=cost-sim-notice]').waitFor();
  // Hydrated once the button is enabled and the history has rendered.
  await p.waitForSelector('[data-testid=sync-button]:not([disabled])');
  await p.click('[data-testid=sync-button]');
  // Progress per platform while it runs.
  await p.waitForSelector('[data-testid=sync-panel][data-run-state=running] [data-testid=sync-row][data-state=running]', { timeout: 30_000 });
  await p.screenshot({ path: join(shots, 'cost-syncing.png'), fullPage: true });
  await p.waitForSelector('[data-testid=sync-panel][data-run-state=ok]', { timeout: 120_000 });
  const rows = p.locator('[data-testid=sync-row]');
  assert.ok(await rows.count() >= 5);
  for (const provider of ['aliyun', 'volcengine', 'tencent', 'baidu', 'deepseek']) {
    assert.ok(await p.locator(`[data-testid=sync-row][data-provider=${provider}][data-state=ok]`).count() >= 1, provider);
  }
  // The page refreshes with the synced bills.
  await p.waitForSelector('[data-testid=product-row]', { timeout: 30_000 });
  await p.waitForSelector('.chart canvas', { timeout: 30_000 });
  assert.match(await p.textContent('[data-testid=card-total]'), /¥[\d,]+\.\d\d/);
  assert.equal(await p.locator('[data-testid=platform-card]').count(), 5);
  await p.waitForTimeout(1200);
  await p.screenshot({ path: join(shots, 'cost.png'), fullPage: true });

  // A platform card leads to the bill lines behind it, which add up to the card.
  const card = p.locator('[data-testid=platform-card][data-provider=volcengine]');
  const cardAmount = (await card.locator('strong').textContent()).replace(/[¥,]/g, '').trim();
  await card.click();
  await p.waitForURL(/provider=volcengine/);
  await p.locator('[data-testid=drill-row]').first().waitFor({ timeout: 30_000 });
  const drillTotal = await p.textContent('[data-testid=drill-total]');
  assert.ok(drillTotal.replace(/,/g, '').includes(cardAmount), `${drillTotal} vs ${cardAmount}`);
  await p.screenshot({ path: join(shots, 'cost-drill.png'), fullPage: true });

  // AI only narrows the table to model services.
  await p.goto(`${good.url}/ai-cost?scope=ai`);
  await p.waitForSelector('[data-testid=product-row]');
  const aiRows = await p.locator('[data-testid=product-row]').allTextContents();
  assert.ok(aiRows.every((r) => r.includes('✔')), aiRows.join('\n'));

  // Export.
  const res = await fetchAs(`${good.url}/export/bill-lines.csv?scope=ai`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /平台,账号,账期/);
  assert.ok(await p.locator('[data-testid=history-row]').count() >= 1);
  assert.deepEqual(errors, []);
  await p.context().close();
});

test('a platform failing during a sync shows its provider error code while the others succeed', async ({ browser, good }) => {
  const sim = good.log().match(/cloud billing simulator serving.*?endpoints=\S*tencent=([\d.]+:\d+)/);
  assert.ok(sim, 'the demo server logs its cloud simulator ports');
  // Five 5xx answers: exactly the attempts the client makes for Tencent's one due scope (this
  // month), so the retry below finds Tencent answering again.
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`http://${sim[1]}/__sim/faults`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fault: 'server_error' }),
    });
    assert.equal(res.status, 200);
  }
  const { p } = await open(browser, `${good.url}/ai-cost`);
  await p.waitForSelector('[data-testid=sync-button]:not([disabled])');
  await p.waitForSelector('[data-testid=history-row]');
  await p.click('[data-testid=sync-button]');
  await p.waitForSelector('[data-testid=sync-panel][data-run-state=partial]', { timeout: 120_000 });
  const tencent = p.locator('[data-testid=sync-row][data-provider=tencent]');
  assert.equal(await tencent.getAttribute('data-state'), 'failed');
  assert.match(await tencent.textContent(), /InternalError|HTTP500/);
  assert.ok(await p.locator('[data-testid=sync-row][data-provider=aliyun][data-state=ok]').count() >= 1);
  // The month Tencent could not refresh is flagged on the page with the reason and a retry.
  const gap = p.locator('[data-testid=coverage-gap][data-provider=tencent]');
  await gap.first().waitFor({ timeout: 30_000 });
  assert.match(await gap.first().textContent(), /最近一次同步失败|未同步成功/);
  assert.match(await gap.first().textContent(), /InternalError|HTTP500/);
  await p.screenshot({ path: join(shots, 'cost-partial.png'), fullPage: true });
  await p.click('[data-testid=gap-retry]');
  await p.waitForSelector('[data-testid=sync-panel][data-run-state=ok]', { timeout: 120_000 });
  await p.waitForSelector('[data-testid=coverage-gaps]', { state: 'detached', timeout: 30_000 });
  await p.context().close();
});


/** The demo cloud simulator's Alibaba port (its control endpoints hold every provider). */
function cloudSim(good) {
  const m = good.log().match(/cloud billing simulator serving.*?endpoints=\S*aliyun=([\d.]+:\d+)/);
  assert.ok(m, 'the demo server logs its cloud simulator ports');
  return `http://${m[1]}`;
}

async function simControl(good, path, body) {
  const res = await fetch(`${cloudSim(good)}/__sim/${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}),
  });
  assert.equal(res.status, 200, `/__sim/${path}`);
}

test('export links download the file after hydration, also from the drill-down', async ({ browser, good }) => {
  const { p, errors } = await open(browser, `${good.url}/ai-cost?scope=ai&provider=aliyun`);
  await hydrated(p);
  await p.locator('[data-testid=drill-row]').first().waitFor({ timeout: 30_000 });
  for (const [selector, check] of [
    ['[data-testid=export-csv]', (bytes) => assert.match(bytes.toString('utf8'), /平台,账号,账期/)],
    ['[data-testid=export-xlsx]', (bytes) => assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK')],
    ['[data-testid=drill-export-csv]', (bytes) => assert.ok(bytes.toString('utf8').trim().split('\n').length > 1, 'header and lines')],
  ]) {
    const [download] = await Promise.all([p.waitForEvent('download', { timeout: 30_000 }), p.click(selector)]);
    assert.match(download.suggestedFilename(), /\.(csv|xlsx)$/, selector);
    check(readFileSync(await download.path()));
  }
  // Still on the page: the router did not take the link.
  assert.match(p.url(), /\/ai-cost\?/);
  assert.equal(await p.locator('text=页面不存在').count(), 0);
  assert.deepEqual(errors, []);
  await p.context().close();
});

test('a platform card opens its bill lines in view and is marked selected', async ({ browser, good }) => {
  const { p, errors } = await open(browser, `${good.url}/ai-cost`);
  await hydrated(p);
  await p.locator('[data-testid=platform-card]').first().waitFor();
  const card = p.locator('[data-testid=platform-card][data-provider=volcengine]');
  await card.click();
  await p.waitForURL(/provider=volcengine/);
  await p.locator('[data-testid=drill-row]').first().waitFor({ timeout: 30_000 });
  const selected = p.locator('[data-testid=platform-card][data-provider=volcengine]');
  assert.equal(await selected.getAttribute('aria-current'), 'true');
  assert.match(await selected.getAttribute('class'), /\bselected\b/);
  assert.equal(await p.locator('[data-testid=platform-card][aria-current]').count(), 1, 'only the chosen card');
  await p.waitForFunction(() => {
    const r = document.querySelector('[data-testid=drill]').getBoundingClientRect();
    return r.top >= -1 && r.top < window.innerHeight - 100;
  }, null, { timeout: 10_000 }).catch(() => {});
  const top = await p.locator('[data-testid=drill]').evaluate((el) => ({ top: el.getBoundingClientRect().top, height: window.innerHeight }));
  assert.ok(top.top >= -1 && top.top < top.height - 100, `drill-down scrolled into view (${JSON.stringify(top)})`);
  await p.screenshot({ path: join(shots, 'cost-drill-in-view.png') });
  assert.deepEqual(errors, []);
  await p.context().close();
});

test('a reload during a sync shows the running sync, then its result; the button stays in place', async ({ browser, good }) => {
  // Every request to the clouds waits until released: the sync is mid-way for as long as the test needs.
  await simControl(good, 'hold', { after: 0 });
  let released = false;
  try {
    const { p, errors } = await open(browser, `${good.url}/ai-cost`);
    await hydrated(p);
    const button = p.locator('[data-testid=sync-button]');
    await p.waitForSelector('[data-testid=sync-button]:not([disabled])');
    await p.waitForSelector('[data-testid=history-row]');
    const idle = await button.boundingBox();
    await button.click();
    await p.waitForSelector('[data-testid=sync-panel][data-run-state=running]', { timeout: 30_000 });
    const busy = await button.boundingBox();
    assert.ok(Math.abs(busy.y - idle.y) <= 2 && Math.abs(busy.x + busy.width - (idle.x + idle.width)) <= 2,
      `the sync button keeps its place (${JSON.stringify(idle)} → ${JSON.stringify(busy)})`);

    await p.reload();
    await hydrated(p);
    await p.waitForSelector('[data-testid=sync-panel][data-run-state=running]', { timeout: 30_000 });
    assert.equal(await button.isDisabled(), true, 'no second sync while one runs');
    await p.screenshot({ path: join(shots, 'cost-reload-during-sync.png'), fullPage: true });

    await simControl(good, 'release');
    released = true;
    await p.waitForSelector('[data-testid=sync-panel][data-run-state=ok]', { timeout: 120_000 });
    await p.waitForSelector('[data-testid=sync-button]:not([disabled])');
    assert.deepEqual(errors, []);
    await p.context().close();
  } finally {
    if (!released) await simControl(good, 'release');
  }
});

test('sync history shows the period each run pulled', async ({ browser, good }) => {
  const { p } = await open(browser, `${good.url}/ai-cost`);
  await p.waitForSelector('[data-testid=history-row]');
  // The first run pulled the whole history: SUANPAN_BILLING_HISTORY_MONTHS=1 (servers.mjs) is the
  // month before this one (Asia/Shanghai) up to today.
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  const [y, m] = today.split('-').map(Number);
  const from = m === 1 ? `${y - 1}-12-01` : `${y}-${String(m - 1).padStart(2, '0')}-01`;
  const rows = await p.locator('[data-testid=history-row]').allTextContents();
  const first = rows.find((r) => r.startsWith('#1'));
  assert.ok(first, rows.join('\n'));
  assert.ok(first.includes(`${from} ~ ${today}`), `run #1 covers ${from} ~ ${today}: ${first}`);
  await p.context().close();
});

test('a refused period keeps the form with the entered values beside the message', async ({ browser, good }) => {
  const { p } = await open(browser, `${good.url}/ai-cost?from=1900-01-01&to=2026-01-31&scope=ai`);
  await p.locator('[data-testid=error]').waitFor();
  assert.match(await p.textContent('[data-testid=error]'), /\S/);
  assert.equal(await p.inputValue('form.params input[name=from]'), '1900-01-01');
  assert.equal(await p.inputValue('form.params input[name=to]'), '2026-01-31');
  assert.equal(await p.inputValue('form.params select[name=scope]'), 'ai');
  // Corrected in place.
  await hydrated(p);
  await p.fill('form.params input[name=from]', '2026-01-01');
  await p.click('form.params button[type=submit]');
  await p.waitForURL(/from=2026-01-01/);
  await p.waitForSelector('[data-testid=card-total]', { timeout: 30_000 });
  assert.equal(await p.locator('[data-testid=error]').count(), 0);
  await p.screenshot({ path: join(shots, 'cost-refused-range.png') });
  await p.context().close();
});
