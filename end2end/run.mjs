// End-to-end tests: the release server against a fresh embedded warehouse, and a second server
// whose SQL Server is unreachable, driven in Debian's Chromium through playwright-core.
// Run with `make e2e` (after `make build`). Screenshots go to end2end/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const shots = join(root, 'end2end', 'screenshots');
mkdirSync(shots, { recursive: true });

const ANALYSES = ['top-sellers', 'affinity', 'inventory', 'customers', 'seasonal'];

/** Starts the release binary on port 0 and resolves with its base URL once it listens. */
function startServer(name, env) {
  const dataDir = mkdtempSync(join(tmpdir(), `suanpan-e2e-${name}-`));
  const child = spawn(join(root, 'target/release/suanpan'), [], {
    cwd: root,
    env: {
      ...process.env,
      SUANPAN_ADDR: '127.0.0.1:0',
      SUANPAN_DATA_DIR: dataDir,
      SUANPAN_SITE_ROOT: join(root, 'target/site'),
      RUST_LOG: 'info,sqlx=warn',
      NO_COLOR: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} server did not start:\n${log}`)), 180_000);
    const onData = (chunk) => {
      log += chunk;
      const m = log.match(/listening on (http:\/\/[\d.]+:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], child, dataDir, log: () => log });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${name} server exited ${code}:\n${log}`)); });
  });
}

let good, broken, browser;

before(async () => {
  [good, broken] = await Promise.all([
    startServer('demo', { SUANPAN_BILLING_HISTORY_MONTHS: '1' }),
    startServer('broken', {
      SUANPAN_WAREHOUSE_URL: 'mssql://reader:not-a-real-password@127.0.0.1:9/WideWorldImporters?encrypt=off&connect_timeout_s=2',
    }),
  ]);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  for (const s of [good, broken]) {
    if (!s) continue;
    s.child.kill('SIGTERM');
    rmSync(s.dataDir, { recursive: true, force: true });
  }
});

async function page(url) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' });
  const p = await context.newPage();
  const errors = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  const response = await p.goto(url, { waitUntil: 'load' });
  return { p, errors, response };
}

async function rowsOf(p) {
  await p.waitForSelector('table[data-testid=table] tbody tr', { timeout: 30_000 });
  return p.locator('table[data-testid=table] tbody tr');
}

test('home presents the five analyses', async () => {
  const { p, errors } = await page(good.url + '/');
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
  test(`${slug}: rows and a rendered chart`, async () => {
    const { p, errors, response } = await page(`${good.url}/sales/${slug}`);
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

test('changing a parameter in the form changes the data and the URL', async () => {
  const { p } = await page(`${good.url}/sales/top-sellers`);
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
  const shared = await page(p.url());
  assert.equal(await (await rowsOf(shared.p)).count(), 4);
  await shared.p.context().close();
  await p.screenshot({ path: join(shots, 'top-sellers-changed.png'), fullPage: true });
  await p.context().close();
});

test('sorting by a column header reorders the table', async () => {
  const { p } = await page(`${good.url}/sales/affinity?min_co=3`);
  await rowsOf(p);
  await p.click('th a[data-sort=co]');
  await p.waitForURL(/sort=co/);
  await p.waitForSelector('th.sorted a[data-sort=co]');
  const co = await p.$$eval('table[data-testid=table] tbody tr td:nth-child(4)', (tds) => tds.map((td) => Number(td.textContent.replace(/,/g, ''))));
  assert.ok(co.length > 1);
  assert.deepEqual(co, [...co].sort((a, b) => b - a));
  await p.context().close();
});

test('bad parameters show a specific message and answer 400', async () => {
  const cases = [
    ['/sales/top-sellers?top=-5', /显示条数（top）：必须在 1 到 500 之间/],
    ['/sales/top-sellers?top=99999999999999', /必须在 1 到 500 之间|不是有效的整数/],
    ['/sales/affinity?from=2016-05-01&to=2016-01-01', /开始日期 2016-05-01 晚于结束日期 2016-01-01/],
    ['/sales/inventory?from=2016-02-30', /不是有效日期/],
    ['/sales/customers?sort=%3Cscript%3E', /排序方式（sort）：不支持“<script>”/],
  ];
  for (const [path, message] of cases) {
    const { p, response } = await page(good.url + path);
    assert.equal(response.status(), 400, path);
    const alert = p.locator('[data-testid=error]');
    await alert.waitFor();
    assert.match(await alert.textContent(), message, path);
    await p.context().close();
  }
  const { p, response } = await page(good.url + '/sales/no-such-analysis');
  assert.equal(response.status(), 404);
  assert.match(await p.textContent('[data-testid=error]'), /未知的分析类型：“no-such-analysis”/);
  await p.screenshot({ path: join(shots, 'unknown-analysis.png') });
  await p.context().close();
});

test('the server function itself answers 400 with the reason', async () => {
  const res = await fetch(`${good.url}/api/sales/run_analysis`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'seasonal', query: [['top', 'abc']] }),
  });
  assert.equal(res.status, 400);
  const body = await res.text();
  assert.match(body, /NotAWholeNumber/);
  assert.doesNotMatch(body, /panicked/);
});

test('an unreachable database shows the error on the page', async () => {
  const { p, response } = await page(`${broken.url}/sales/top-sellers`);
  assert.equal(response.status(), 503);
  const alert = p.locator('[data-testid=error]');
  await alert.waitFor();
  assert.match(await alert.textContent(), /无法连接销售数据库/);
  assert.doesNotMatch(await p.content(), /not-a-real-password/);
  await p.screenshot({ path: join(shots, 'database-unreachable.png') });
  await p.context().close();
  assert.doesNotMatch(broken.log(), /not-a-real-password/);
});

// ---- AI insights and marketing images (the demo server answers through the DashScope simulator)

test('AI 分析 streams an insight into the page, and a reload shows it without a new call', async () => {
  const url = `${good.url}/sales/top-sellers?from=2016-01-01&to=2016-03-31`;
  const { p, errors } = await page(url);
  await rowsOf(p);
  await p.locator('[data-testid=ai-sim-notice]').waitFor();
  const button = p.locator('[data-testid=ai-button]');
  assert.equal((await button.textContent()).trim(), 'AI 分析');
  await p.waitForSelector('.chart canvas', { timeout: 30_000 }); // hydrated: the click handler is attached
  await button.click();
  // Some text is on the page while the model is still writing.
  await p.waitForFunction(() => {
    const el = document.querySelector('[data-testid=insight-text]');
    return el && el.classList.contains('streaming') && el.textContent.length > 0;
  }, null, { timeout: 30_000 });
  const early = (await p.textContent('[data-testid=insight-text]')).length;
  await p.locator('[data-testid=insight-meta]').waitFor({ timeout: 60_000 });
  const full = await p.textContent('[data-testid=insight-text]');
  assert.ok(full.length > early, `text grew while streaming (${early} → ${full.length})`);
  // Rendered as Markdown: headings, not '##'.
  assert.ok(await p.locator('[data-testid=insight-text] h2').count() > 0);
  assert.doesNotMatch(full, /##/);
  assert.match(await p.textContent('[data-testid=insight-meta]'), /qwen-max[\s\S]*北京时间[\s\S]*top-sellers\.1/);
  await p.screenshot({ path: join(shots, 'insight.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await p.context().close();

  const again = await page(url);
  // Server-rendered from the cache: present before any click.
  const text = await again.p.textContent('[data-testid=insight-text]');
  assert.equal(text.trim(), full.trim());
  assert.equal((await again.p.locator('[data-testid=ai-button]').textContent()).trim(), '重新生成');
  await again.p.context().close();
});

test('affinity: 生成营销图 shows progress, then the image; a reload keeps it in the gallery', async () => {
  const { p, errors } = await page(`${good.url}/sales/affinity`);
  await rowsOf(p);
  await p.waitForSelector('.chart canvas', { timeout: 30_000 });
  const options = await p.locator('[data-testid=bundle-select] option').count();
  assert.ok(options > 0, 'bundles to choose from');
  const prompt = p.locator('[data-testid=image-prompt]');
  assert.match(await prompt.inputValue(), /组合套装/);
  await prompt.fill((await prompt.inputValue()) + '节日氛围。');
  await p.selectOption('[data-testid=image-size]', '1280*720');
  await p.click('[data-testid=image-button]');
  await p.waitForSelector('[data-testid=image-progress][data-state=pending], [data-testid=image-progress][data-state=running]', { timeout: 30_000 });
  await p.screenshot({ path: join(shots, 'image-progress.png'), fullPage: true });
  const img = p.locator('[data-testid=image-result]');
  await img.waitFor({ timeout: 60_000 });
  await p.waitForFunction(() => document.querySelector('[data-testid=image-result]').naturalWidth === 1280, null, { timeout: 30_000 });
  await p.locator('[data-testid=gallery-item]').first().waitFor();
  await p.screenshot({ path: join(shots, 'image-done.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await p.context().close();

  const again = await page(`${good.url}/images`);
  const tiles = again.p.locator('[data-testid=gallery-item]');
  assert.ok(await tiles.count() >= 1);
  assert.match(await tiles.first().textContent(), /节日氛围|下载/);
  await again.p.waitForFunction(() => document.querySelector('[data-testid=gallery-item] img').naturalWidth > 0);
  await again.p.context().close();
});

test('an answer cut mid-way is shown as incomplete', async () => {
  const sim = good.log().match(/DashScope simulator serving.*?addr=([\d.]+:\d+)/);
  assert.ok(sim, 'the demo server logs its simulator address');
  const res = await fetch(`http://${sim[1]}/__sim/faults`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ endpoint: 'chat', fault: 'cut_stream', after_chunks: 6 }),
  });
  assert.equal(res.status, 200);
  const { p } = await page(`${good.url}/sales/inventory?from=2016-01-01&to=2016-02-29`);
  await rowsOf(p);
  await p.waitForSelector('.chart canvas', { timeout: 30_000 });
  await p.click('[data-testid=ai-button]');
  await p.locator('[data-testid=insight-incomplete]').waitFor({ timeout: 30_000 });
  assert.match(await p.textContent('[data-testid=insight-error]'), /回答中途中断/);
  assert.ok((await p.textContent('[data-testid=insight-text]')).length > 0, 'what arrived is kept');
  assert.equal((await p.locator('[data-testid=ai-button]').textContent()).trim(), '重新生成');
  await p.screenshot({ path: join(shots, 'insight-incomplete.png'), fullPage: true });
  await p.context().close();
});

// ---- AI cost page (the demo server's accounts point at the cloud simulator)

test('AI成本管理: 同步云平台账单 shows progress per platform, then cards, charts and traceable numbers', async () => {
  const { p, errors } = await page(`${good.url}/ai-cost`);
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

test('a platform failing during a sync shows its provider error code while the others succeed', async () => {
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
  const { p } = await page(`${good.url}/ai-cost`);
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
