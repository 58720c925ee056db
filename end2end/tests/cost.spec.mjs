// AI成本管理: the demo server's accounts point at the cloud simulator. Serial: the second test needs the first one's sync.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, open, shots } from '../harness.mjs';

test.describe.configure({ mode: 'serial' });

test('AI成本管理: 同步云平台账单 shows progress per platform, then cards, charts and traceable numbers', async ({ browser, good }) => {
  const { p, errors } = await open(browser, `${good.url}/ai-cost`);
  await p.locator('[data-testid=cost-page]').waitFor();
  await p.locator('[data-testid=cost-sim-notice]').waitFor();
  // Hydrated once the button is enabled and the history has rendered.
  await p.waitForSelector('[data-testid=sync-button]:not([disabled])');
  await p.waitForTimeout(500);
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
  const res = await fetch(`${good.url}/export/bill-lines.csv?scope=ai`);
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

