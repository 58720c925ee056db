// A phone (390 × 844): every page usable without scrolling the page sideways. Tables scroll
// inside their own box, cards stack, charts fit, the top bar stays compact.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, open, hydrated, shots, ANALYSES } from '../harness.mjs';

// Not isMobile: Chromium's mobile emulation widens the layout viewport to fit wide content, which
// would hide exactly what this test looks for.
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 };

/** Asserts the page does not scroll sideways and names what sticks out when it does. */
async function fitsWidth(p, what) {
  const m = await p.evaluate(() => {
    const width = Math.min(window.innerWidth, 390);
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.right <= width + 1) return false;
        // Inside a box that scrolls sideways itself: fine.
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
          const s = getComputedStyle(a);
          if ((s.overflowX === 'auto' || s.overflowX === 'scroll' || s.overflowX === 'hidden') && a.getBoundingClientRect().right <= width + 1) return false;
        }
        return true;
      })
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}.${el.className} → ${Math.round(el.getBoundingClientRect().right)}`);
    return { scroll: document.scrollingElement.scrollWidth, width, wide };
  });
  assert.ok(m.scroll <= m.width, `${what}: page ${m.scroll} px wide in a ${m.width} px window; ${m.wide.join('; ')}`);
}

/** The top bar is one or two compact rows, not a character per line. */
async function compactTopbar(p, what) {
  const h = await p.locator('header.topbar').evaluate((el) => el.getBoundingClientRect().height);
  assert.ok(h < 110, `${what}: top bar ${h} px tall`);
  for (const a of await p.locator('.topbar nav a').all()) {
    const box = await a.boundingBox();
    assert.ok(box.height < 30, `${what}: nav link on one line (${box.height} px)`);
  }
}

test('390 px: home, every analysis, images and AI成本管理 fit the phone', async ({ browser, good }) => {
  const { p, errors } = await open(browser, `${good.url}/`, PHONE);
  await hydrated(p);
  await compactTopbar(p, 'home');
  await fitsWidth(p, 'home');
  await p.screenshot({ path: join(shots, 'phone-home.png'), fullPage: true });

  for (const slug of ANALYSES) {
    await p.goto(`${good.url}/sales/${slug}`);
    await p.waitForSelector('table[data-testid=table] tbody tr', { timeout: 30_000 });
    await hydrated(p);
    await p.waitForSelector('.chart canvas', { timeout: 30_000 });
    await compactTopbar(p, slug);
    await fitsWidth(p, slug);
    // The table keeps its columns and scrolls inside its own box.
    const table = await p.locator('table[data-testid=table]').evaluate((t) => ({ client: t.clientWidth, scroll: t.scrollWidth, right: t.getBoundingClientRect().right }));
    assert.ok(table.right <= 391, `${slug}: table box inside the window (${JSON.stringify(table)})`);
    const chart = await p.locator('.chart').first().evaluate((b) => ({ box: b.getBoundingClientRect().right, canvas: b.querySelector('canvas').getBoundingClientRect().width, width: b.clientWidth }));
    assert.ok(chart.box <= 391 && Math.abs(chart.canvas - chart.width) <= 2, `${slug}: chart fits (${JSON.stringify(chart)})`);
    if (slug === 'affinity') {
      const picker = await p.locator('[data-testid=bundle-select]').boundingBox();
      assert.ok(picker && picker.x >= 0 && picker.x + picker.width <= 391, `bundle picker inside the window (${JSON.stringify(picker)})`);
    }
    await p.waitForTimeout(800); // the chart's entry animation, for the screenshot only
    await p.screenshot({ path: join(shots, `phone-${slug}.png`), fullPage: true });
  }

  await p.goto(`${good.url}/images`);
  await p.locator('[data-testid=gallery]').waitFor();
  await hydrated(p);
  await fitsWidth(p, 'images');
  await p.screenshot({ path: join(shots, 'phone-images.png'), fullPage: true });

  await p.goto(`${good.url}/ai-cost`);
  await p.locator('[data-testid=cost-page]').waitFor();
  await hydrated(p);
  await fitsWidth(p, 'ai-cost');
  // After a sync: the progress table and the refreshed cards, charts and tables.
  await p.click('[data-testid=sync-button]:not([disabled])');
  await p.waitForSelector('[data-testid=sync-panel][data-run-state=ok]', { timeout: 120_000 });
  await p.waitForSelector('[data-testid=product-row]', { timeout: 30_000 });
  await fitsWidth(p, 'ai-cost after a sync');
  const cards = await p.locator('[data-testid=platform-card]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
  assert.ok(cards.every((w) => w >= 150), `cost cards stacked, not crushed (${cards})`);
  await p.screenshot({ path: join(shots, 'phone-ai-cost.png'), fullPage: true });
  // The drill-down's table too.
  await p.click('[data-testid=platform-card][data-provider=aliyun]');
  await p.locator('[data-testid=drill-row]').first().waitFor({ timeout: 30_000 });
  await fitsWidth(p, 'ai-cost drill-down');
  await p.screenshot({ path: join(shots, 'phone-ai-cost-drill.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await p.context().close();
});
