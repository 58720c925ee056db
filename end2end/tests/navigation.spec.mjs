// In-app navigation: charts drawn on every page reached through the nav, a card or Back (not only
// the first page of a session), and following the size of their box.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, open, hydrated, shots } from '../harness.mjs';

/** Waits until every chart box of the page holds a canvas filling it; answers their sizes. */
async function chartsDrawn(p, what) {
  await p.waitForSelector('.chart', { timeout: 30_000 });
  await p.waitForFunction(() => {
    const boxes = [...document.querySelectorAll('.chart')];
    return boxes.length > 0 && boxes.every((b) => {
      const c = b.querySelector('canvas');
      return c && c.getBoundingClientRect().width > 0 && Math.abs(c.getBoundingClientRect().width - b.clientWidth) <= 2;
    });
  }, null, { timeout: 30_000 }).catch(() => {});
  const sizes = await p.$$eval('.chart', (boxes) => boxes.map((b) => {
    const c = b.querySelector('canvas');
    const r = c ? c.getBoundingClientRect() : null;
    return { box: b.clientWidth, canvas: r ? Math.round(r.width) : 0, height: r ? Math.round(r.height) : 0 };
  }));
  for (const s of sizes) {
    assert.ok(s.canvas > 200 && s.height > 200, `${what}: chart drawn (${JSON.stringify(sizes)})`);
    assert.ok(Math.abs(s.canvas - s.box) <= 2, `${what}: canvas as wide as its box (${JSON.stringify(sizes)})`);
  }
  return sizes;
}

test('charts draw after in-app navigation, Back, and follow window resizes', async ({ browser, good }) => {
  const { p, errors } = await open(browser, `${good.url}/`);
  await hydrated(p);
  // home → 热销 (a card) → home (the nav) → 季节性 (a card)
  await p.click('a.card[data-kind=top-sellers]');
  await p.waitForURL(/\/sales\/top-sellers$/);
  await chartsDrawn(p, 'top-sellers after a card');
  await p.click('.topbar nav a[href="/"]');
  await p.waitForURL(/\/$/);
  await p.click('a.card[data-kind=seasonal]');
  await p.waitForURL(/\/sales\/seasonal$/);
  await chartsDrawn(p, 'seasonal after the nav and a card');
  // ← 销售分析, then 库存 → AI成本管理 → Back
  await p.click('a.back');
  await p.waitForURL(/\/$/);
  await p.click('a.card[data-kind=inventory]');
  await p.waitForURL(/\/sales\/inventory$/);
  await chartsDrawn(p, 'inventory after ← 销售分析');
  await p.click('.topbar nav a[href="/ai-cost"]');
  await p.waitForURL(/\/ai-cost$/);
  await p.locator('[data-testid=cost-page]').waitFor();
  // The cost page has charts once bills are stored (cost.spec synced them).
  if (await p.locator('[data-testid=cost-empty]').count() === 0) {
    await chartsDrawn(p, 'AI成本管理 after the nav');
  }
  await p.goBack();
  await p.waitForURL(/\/sales\/inventory$/);
  await chartsDrawn(p, 'inventory after Back');

  // A narrower window: the canvas follows its box.
  const before = await chartsDrawn(p, 'inventory at 1366 px');
  await p.setViewportSize({ width: 700, height: 900 });
  await p.waitForFunction((w) => {
    const b = document.querySelector('.chart');
    const c = b && b.querySelector('canvas');
    return c && b.clientWidth < w && Math.abs(c.getBoundingClientRect().width - b.clientWidth) <= 2;
  }, before[0].box, { timeout: 30_000 });
  const after = await chartsDrawn(p, 'inventory at 700 px');
  assert.ok(after[0].canvas < before[0].canvas, `canvas shrank with the window (${before[0].canvas} → ${after[0].canvas})`);
  await p.screenshot({ path: join(shots, 'inventory-after-back-700.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await p.context().close();
});

test('销售分析 is marked current on the home page and every analysis page', async ({ browser, good }) => {
  const { p } = await open(browser, `${good.url}/sales/customers`);
  const sales = p.locator('.topbar nav a[href="/"]');
  assert.equal(await sales.getAttribute('aria-current'), 'page', 'server-rendered');
  await hydrated(p);
  assert.equal(await sales.getAttribute('aria-current'), 'page', 'after hydration');
  assert.equal(await p.locator('.topbar nav a[href="/ai-cost"]').getAttribute('aria-current'), null);
  await p.click('.topbar nav a[href="/ai-cost"]');
  await p.waitForURL(/\/ai-cost$/);
  await p.waitForFunction(() => document.querySelector('.topbar nav a[href="/"]').getAttribute('aria-current') === null);
  assert.equal(await p.locator('.topbar nav a[href="/ai-cost"]').getAttribute('aria-current'), 'page');
  await p.goBack();
  await p.waitForURL(/\/sales\/customers$/);
  await p.waitForFunction(() => document.querySelector('.topbar nav a[href="/"]').getAttribute('aria-current') === 'page');
  await p.context().close();
});

test('submitting a form puts no nameless parameter in the URL', async ({ browser, good }) => {
  for (const path of ['/sales/top-sellers?sort=quantity', '/ai-cost']) {
    const { p } = await open(browser, good.url + path);
    await hydrated(p);
    const before = p.url();
    await p.fill('form.params input[name=from]', path.startsWith('/sales') ? '2016-01-01' : '2026-01-01');
    await p.click('form.params button[type=submit]');
    await p.waitForURL((u) => u.toString() !== before && /from=20\d\d-01-01/.test(u.toString()));
    const url = new URL(p.url());
    assert.ok(![...url.searchParams.keys()].includes(''), `no empty key in ${p.url()}`);
    assert.doesNotMatch(p.url(), /&=|\?=/);
    await p.context().close();
  }
});
