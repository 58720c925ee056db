// The Content-Security-Policy in a real browser: the app's own scripts, WASM and charts run under
// it (every other spec fails on a violation, see `cspGuard` in harness.mjs), and a script injected
// into the page does not.
import assert from 'node:assert/strict';
import { test, open, hydrated } from '../harness.mjs';

test('pages carry a nonce policy that their own scripts satisfy', async ({ browser, good }) => {
  const { p, errors, response } = await open(browser, `${good.url}/sales/top-sellers`);
  const headers = response.headers();
  const policy = headers['content-security-policy'] ?? '';
  const nonce = policy.match(/'nonce-([^']+)'/)?.[1];
  assert.ok(nonce, policy);
  assert.match(policy, /script-src 'self' 'nonce-[^']+' 'unsafe-eval' 'wasm-unsafe-eval'/);
  assert.match(policy, /frame-ancestors 'none'/);
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.equal(headers['x-frame-options'], 'DENY');
  await hydrated(p);
  // A chart: ECharts came from our origin and drew.
  await p.waitForSelector('.chart canvas', { timeout: 30_000 });
  assert.deepEqual(errors, []);
});

test.describe('an injected script', () => {
  test.use({ cspExpected: true });

  test('is blocked and reported', async ({ browser, good }) => {
    const { p } = await open(browser, `${good.url}/`);
    await hydrated(p);
    const reported = new Promise((resolve) => p.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) resolve(m.text());
    }));
    const ran = await p.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = true';
      document.head.appendChild(s);
      return window.__injected === true;
    });
    assert.equal(ran, false, 'the inline script ran');
    assert.match(await reported, /inline script/i);
  });
});
