// Getting the app to the browser: compressed WASM, ECharts and pages; action buttons that cannot
// be clicked before the app is interactive (a click would be lost).
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { readFileSync } from 'node:fs';
import { test, open, hydrated, sessionFile } from '../harness.mjs';

/** The raw answer to a GET (no transparent decompression, unlike fetch). */
function raw(url, headers = {}) {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, bytes: Buffer.concat(chunks).length }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

test('the WASM, ECharts and pages are sent compressed to browsers that accept it', async ({ good }) => {
  for (const path of ['/pkg/suanpan.wasm', '/echarts.min.js', '/pkg/suanpan.js', '/pkg/suanpan.css', '/sales/top-sellers']) {
    // Pages need a session; the compiled app and ECharts do not.
    const cookie = JSON.parse(readFileSync(sessionFile(good.url, 'analyst'), 'utf8')).cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const plain = await raw(good.url + path, { cookie });
    const packed = await raw(good.url + path, { 'accept-encoding': 'br, gzip', cookie });
    assert.equal(plain.status, 200, path);
    assert.equal(packed.status, 200, path);
    assert.equal(plain.headers['content-encoding'], undefined, `${path}: plain for a client without compression`);
    assert.ok(['br', 'gzip'].includes(packed.headers['content-encoding']), `${path}: ${packed.headers['content-encoding']}`);
    assert.ok(packed.bytes < plain.bytes * 0.5, `${path}: ${packed.bytes} of ${plain.bytes} bytes`);
    if (path.endsWith('.wasm')) assert.ok(packed.bytes < 1_000_000, `WASM ${packed.bytes} bytes`);
  }
});

test('action buttons are disabled until the app is interactive', async ({ browser, good }) => {
  const context = await browser.newContext({ storageState: sessionFile(good.url, 'analyst') });
  const p = await context.newPage();
  // The WASM never arrives: the page stays as the server rendered it.
  await p.route('**/*.wasm', (route) => route.abort());
  await p.goto(`${good.url}/ai-cost`, { waitUntil: 'load' });
  await p.locator('[data-testid=sync-button]').waitFor();
  assert.equal(await p.locator('[data-testid=sync-button]').isDisabled(), true, 'sync button');
  await p.goto(`${good.url}/sales/affinity`, { waitUntil: 'load' });
  await p.locator('[data-testid=ai-button]').waitFor();
  assert.equal(await p.locator('[data-testid=ai-button]').isDisabled(), true, 'AI 分析');
  assert.equal(await p.locator('[data-testid=image-button]').isDisabled(), true, '生成营销图');
  await p.unroute('**/*.wasm');
  // With the app loaded they work.
  await p.reload({ waitUntil: 'load' });
  await hydrated(p);
  await p.waitForSelector('[data-testid=ai-button]:not([disabled])', { timeout: 30_000 });
  await p.waitForSelector('[data-testid=image-button]:not([disabled])', { timeout: 30_000 });
  await context.close();
});
