// Figures as finance reads them (issue 9, part 3): percentages and fixed precision, help marks,
// date presets, sales tables as real spreadsheets, Chinese labels on the cost page, gallery images
// that enlarge and download under a readable name.
import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { join } from 'node:path';
import { test, open, rowsOf, hydrated, shots, fetchAs } from '../harness.mjs';

/** The entries of a zip archive (an xlsx): name → inflated bytes, read from the central directory. */
function unzip(buf) {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, 'a zip end-of-central-directory record');
  const entries = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const out = new Map();
  for (let i = 0; i < entries; i++) {
    assert.equal(buf.readUInt32LE(at), 0x02014b50, 'a central directory entry');
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.subarray(at + 46, at + 46 + nameLen).toString('utf8');
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(dataAt, dataAt + size);
    out.set(name, method === 0 ? raw : inflateRawSync(raw));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** A page whose table has rendered and hydrated, ready for clicks. */
async function openTable(browser, url) {
  const { p } = await open(browser, url);
  await rowsOf(p);
  await hydrated(p);
  return p;
}

/** CSV records (RFC 4180 quoting: customer names hold commas). */
function csvRows(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n') { row.push(field.replace(/\r$/, '')); rows.push(row); row = []; field = ''; }
    else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

test('affinity shows support and confidence as percentages, lift with two places, and explains them', async ({ browser, good }) => {
  const { p, errors } = await open(browser, `${good.url}/sales/affinity`);
  const rows = await rowsOf(p);
  const cells = await rows.first().locator('td').allTextContents();
  // # | A | B | co | support | conf (higher) | conf A→B | conf B→A | lift
  for (const i of [4, 5, 6, 7]) assert.match(cells[i], /^\d{1,3}\.\d\d %$/, `column ${i}: ${cells[i]}`);
  assert.match(cells[8], /^\d+\.\d\d$/, `lift: ${cells[8]}`);
  for (const [label, term] of [['支持度', '支持度'], ['置信度（取高）', '置信度'], ['置信度 A→B', '置信度'], ['提升度', '提升度']]) {
    const mark = p.locator('thead th', { hasText: label }).first().locator('.help');
    assert.match(await mark.getAttribute('title'), new RegExp(`^${term}：`), `${label} has an explanation`);
    assert.ok((await mark.getAttribute('aria-label')).length > label.length, `${label}'s explanation is readable by screen readers`);
  }
  assert.deepEqual(errors, []);
  await p.context().close();
});

test('inventory: one precision per column, cover never a bare 0.0, statuses explained', async ({ browser, good }) => {
  const { p } = await open(browser, `${good.url}/sales/inventory?top=200`);
  const rows = await rowsOf(p);
  const daily = await p.$$eval('table[data-testid=table] tbody tr td:nth-child(11)', (tds) => tds.map((td) => td.textContent));
  assert.ok(daily.length > 10);
  for (const d of daily) assert.match(d, /^[\d,]+\.\d\d$/, `日均需求 ${d}`);
  const cover = await p.$$eval('table[data-testid=table] tbody tr td:nth-child(12)', (tds) => tds.map((td) => td.textContent));
  assert.ok(!cover.includes('0.0'), `no misleading 0.0: ${cover.join(' ')}`);
  assert.match(await p.textContent('thead'), /可供天数（按当前库存）/);
  const status = rows.first().locator('td:last-child span');
  assert.match(await status.getAttribute('title'), /库存/);
  await p.context().close();
});

test('customers: days are measured to the range end and spend tiers show their thresholds', async ({ browser, good }) => {
  const { p } = await open(browser, `${good.url}/sales/customers`);
  await rowsOf(p);
  // The customer table's header (the segment table above it has its own).
  assert.match(await p.textContent('table[data-testid=table] thead'), /距结束日天数/);
  assert.match(await p.textContent('[data-testid=tier-thresholds]'), /VIP > \$50,000\.00/);
  // A year scales the tiers with the range.
  const year = await open(browser, `${good.url}/sales/customers?from=2015-06-01&to=2016-05-31`);
  await rowsOf(year.p);
  assert.doesNotMatch(await year.p.textContent('[data-testid=tier-thresholds]'), /VIP > \$50,000\.00/);
  await year.p.context().close();
  await p.context().close();
});

test('a date preset sets the range', async ({ browser, good }) => {
  const p = await openTable(browser, `${good.url}/sales/top-sellers?top=5`);
  const preset = p.locator('a[data-preset=last_90_days]');
  assert.equal(await preset.textContent(), '近 90 天');
  await preset.click();
  await p.waitForURL(/from=\d{4}-\d\d-\d\d.*to=\d{4}-\d\d-\d\d|to=.*from=/);
  const url = new URL(p.url());
  const from = new Date(url.searchParams.get('from'));
  const to = new Date(url.searchParams.get('to'));
  assert.equal((to - from) / 86_400_000 + 1, 90, `${from} ~ ${to}`);
  assert.equal(url.searchParams.get('top'), '5', 'the other parameters are kept');
  await p.waitForFunction((range) => document.querySelector('[data-testid=summary]')?.textContent.includes(range),
    `${url.searchParams.get('from')} ~ ${url.searchParams.get('to')}`);
  assert.equal(await p.inputValue('input[name=from]'), url.searchParams.get('from'));
  await p.context().close();
});

test('a sales table downloads as a valid xlsx with number cells, a named sheet, a frozen header and a filter', async ({ browser, good }) => {
  const p = await openTable(browser, `${good.url}/sales/top-sellers?top=7`);
  const link = p.locator('[data-testid=sales-export-xlsx]');
  const [download] = await Promise.all([p.waitForEvent('download'), link.click()]);
  assert.match(download.suggestedFilename(), /热销商品分析.*\.xlsx$/);
  const path = await download.path();
  const { readFileSync } = await import('node:fs');
  const files = unzip(readFileSync(path));
  const workbook = files.get('xl/workbook.xml').toString('utf8');
  assert.match(workbook, /<sheet name="热销商品分析"/);
  const sheet = files.get('xl/worksheets/sheet1.xml').toString('utf8');
  assert.match(sheet, /state="frozen"/);
  assert.match(sheet, /<autoFilter ref="A1:I8"/);
  // Row 2, column F (销售额) is a number cell (no t="s"/"str"/"inlineStr").
  const f2 = sheet.match(/<c r="F2"([^>]*)>(.*?)<\/c>/);
  assert.ok(f2, 'a revenue cell');
  assert.doesNotMatch(f2[1], /t="(s|str|inlineStr)"/, `revenue is a number: ${f2[0]}`);
  assert.ok(Number(f2[2].replace(/<\/?v>/g, '')) > 0);
  // The CSV of the same view has the same rows.
  const csv = await (await fetchAs(`${good.url}/export/sales/top-sellers.csv?top=7`)).text();
  assert.equal(csv.trim().split('\n').length, 8);
  await p.context().close();
});

test('a sales export lists the view as sorted and filtered on the page', async ({ browser, good }) => {
  const query = 'status=at_risk&sort=recency&dir=asc&top=500';
  const { p } = await open(browser, `${good.url}/sales/customers?${query}`);
  const rows = await rowsOf(p);
  const names = await p.$$eval('table[data-testid=table] tbody tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent));
  assert.ok(names.length > 1, 'several customers at risk');
  // The page's link carries the whole query.
  const href = await p.getAttribute('[data-testid=sales-export-csv]', 'href');
  assert.match(href, /status=at_risk/);
  assert.match(href, /dir=asc/);
  const csv = (await (await fetchAs(good.url + href)).text()).replace(/^\uFEFF/, '');
  const lines = csvRows(csv).slice(1);
  // Same customers in the same order: only 流失风险, days since the last order ascending.
  assert.deepEqual(lines.map((l) => l[1]), names);
  assert.ok(lines.every((l) => l[10] === '流失风险'), lines.map((l) => l[10]).join(' '));
  const days = lines.map((l) => Number(l[8]));
  assert.deepEqual(days, [...days].sort((a, b) => a - b));
  assert.ok(days[0] < days[days.length - 1], `${days}`);
  assert.equal(await rows.count(), lines.length);
  await p.context().close();
});

test('the cost page speaks Chinese: trigger, source, platform and account names', async ({ browser, good }) => {
  const { p, errors } = await open(browser, `${good.url}/ai-cost`);
  await p.waitForSelector('[data-testid=sync-button]:not([disabled])');
  await hydrated(p);
  await p.click('[data-testid=sync-button]');
  await p.waitForSelector('[data-testid=sync-panel][data-run-state=ok], [data-testid=sync-panel][data-run-state=partial]', { timeout: 120_000 });
  await p.waitForSelector('[data-testid=history-row]');
  const triggers = await p.locator('[data-testid=history-trigger]').allTextContents();
  assert.ok(triggers.includes('手动'), triggers.join(','));
  assert.ok(!triggers.includes('button'), triggers.join(','));
  assert.doesNotMatch(await p.textContent('body'), /pricing\.rs/);

  await p.goto(`${good.url}/ai-cost?provider=aliyun`);
  const row = p.locator('[data-testid=drill-row]').first();
  await row.waitFor({ timeout: 30_000 });
  const cells = await row.locator('td').allTextContents();
  assert.doesNotMatch(cells[1], /^aliyun-/, `账号 is the display name: ${cells[1]}`);
  assert.match(cells[1], /阿里云/);
  assert.ok(['账单接口', '余额差额推算'].includes(cells[7]), `来源 in Chinese: ${cells[7]}`);

  const csv = await (await fetchAs(`${good.url}/export/bill-lines.csv?provider=aliyun`)).text();
  const first = csv.trim().split('\n')[1];
  assert.match(first, /^阿里云,阿里云/, first);
  assert.doesNotMatch(csv, /,bill\r?$|,balance_delta\r?$/m);
  assert.deepEqual(errors, []);
  await p.context().close();
});

test('gallery images enlarge and download under a readable name', async ({ browser, good }) => {
  let { p } = await open(browser, `${good.url}/images`);
  await p.locator('[data-testid=gallery]').waitFor();
  if (await p.locator('[data-testid=gallery-item]').count() === 0) {
    // Run alone: make one image on the affinity page first.
    await p.goto(`${good.url}/sales/affinity`);
    await rowsOf(p);
    await hydrated(p);
    await p.click('[data-testid=image-button]');
    await p.locator('[data-testid=image-result]').waitFor({ timeout: 60_000 });
    await p.goto(`${good.url}/images`);
  }
  const tile = p.locator('[data-testid=gallery-item]').first();
  await tile.waitFor();
  await hydrated(p);
  assert.doesNotMatch(await tile.textContent(), /可编辑/);
  await tile.locator('button.enlarge').click();
  const box = p.locator('[data-testid=lightbox]');
  await box.waitFor();
  await p.waitForFunction(() => document.querySelector('[data-testid=lightbox] img').naturalWidth > 0);
  const size = await box.locator('img').boundingBox();
  const thumb = await tile.locator('img').boundingBox();
  assert.ok(size.width > thumb.width, `enlarged ${size.width} > ${thumb.width}`);
  await p.screenshot({ path: join(shots, 'gallery-enlarged.png') });
  await box.locator('button.close').click();
  await box.waitFor({ state: 'detached' });

  const href = await tile.locator('[data-testid=image-download]').getAttribute('href');
  const res = await fetchAs(good.url + href);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/png');
  const disposition = res.headers.get('content-disposition');
  assert.match(disposition, /filename\*=UTF-8''[^;]*-\d{8}\.png/);
  const name = decodeURIComponent(disposition.split("UTF-8''")[1]);
  assert.doesNotMatch(name, /^[0-9a-f]{64}\.png$/, `a readable name: ${name}`);
  await p.context().close();
});
