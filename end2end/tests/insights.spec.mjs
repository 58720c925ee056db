// AI insights and marketing images: the demo server answers through the DashScope simulator.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, open, rowsOf, shots } from '../harness.mjs';

test.describe.configure({ mode: 'serial' });

test('AI 分析 streams an insight into the page, and a reload shows it without a new call', async ({ browser, good }) => {
  const url = `${good.url}/sales/top-sellers?from=2016-01-01&to=2016-03-31`;
  const { p, errors } = await open(browser, url);
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

  const again = await open(browser, url);
  // Server-rendered from the cache: present before any click.
  const text = await again.p.textContent('[data-testid=insight-text]');
  assert.equal(text.trim(), full.trim());
  assert.equal((await again.p.locator('[data-testid=ai-button]').textContent()).trim(), '重新生成');
  await again.p.context().close();
});

test('affinity: 生成营销图 shows progress, then the image; a reload keeps it in the gallery', async ({ browser, good }) => {
  const { p, errors } = await open(browser, `${good.url}/sales/affinity`);
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

  const again = await open(browser, `${good.url}/images`);
  const tiles = again.p.locator('[data-testid=gallery-item]');
  assert.ok(await tiles.count() >= 1);
  assert.match(await tiles.first().textContent(), /节日氛围|下载/);
  await again.p.waitForFunction(() => document.querySelector('[data-testid=gallery-item] img').naturalWidth > 0);
  await again.p.context().close();
});

test('an answer cut mid-way is shown as incomplete', async ({ browser, good }) => {
  const sim = good.log().match(/DashScope simulator serving.*?addr=([\d.]+:\d+)/);
  assert.ok(sim, 'the demo server logs its simulator address');
  const res = await fetch(`http://${sim[1]}/__sim/faults`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ endpoint: 'chat', fault: 'cut_stream', after_chunks: 6 }),
  });
  assert.equal(res.status, 200);
  const { p } = await open(browser, `${good.url}/sales/inventory?from=2016-01-01&to=2016-02-29`);
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

