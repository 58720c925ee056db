// 额度管理 and IAM 子账号 end to end (issue 12 §8): a sub-account created on the IAM page (its
// secret shown once), a demo user registered on the quota page, ¥100 allocated, the project's
// spend set on the cloud simulator step by step, 立即检查 after each: the Feishu simulator gets
// the 50 %, 80 % and red 额度用尽 cards in that order, the user is disabled in the IAM simulator
// and the page says 已停用（自动）; a deduction below consumption is refused in the dialog; a new
// allocation enables the user again. Every wait is for a state (a row, a card, a simulator answer).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { expect } from '@playwright/test';
import { test, open, hydrated, shots, simulator, fetchAs } from '../harness.mjs';

/** The demo user the scenario registers (login allowed, one key) and its demo project. */
const USER = 'cs-bot';
const PROJECT = 'ark-customer-service';
/** The sub-account created on the IAM page. */
const CREATED = 'e2e-quota-bot';

const volcSim = (good) => simulator(good, /cloud billing simulator serving.*?endpoints=\S*volcengine=([\d.]+:\d+)/);
const feishuSim = (good) => simulator(good, /Feishu webhook simulator serving.*?addr=([\d.]+:\d+)/);

/** This billing month in Asia/Shanghai, `YYYY-MM`. */
const month = () => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 7);

async function setSpend(volc, account, amount) {
  const answer = await fetch(`${volc}/__sim/volcengine/project-spend`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ account, project: PROJECT, month: month(), amount: String(amount) }),
  });
  assert.equal(answer.status, 200, await answer.text());
}

/** The cards about USER the Feishu simulator accepted, oldest first. */
async function cards(feishu) {
  const messages = await (await fetch(`${feishu}/__sim/messages`)).json();
  return messages.filter((m) => m.card && JSON.stringify(m.card).includes(USER)).map((m) => m.card);
}

async function iamUser(volc, account, name) {
  const answer = await fetch(`${volc}/__sim/volcengine/iam/users/${name}?account=${encodeURIComponent(account)}`);
  assert.equal(answer.status, 200, `${name} in the IAM simulator`);
  return answer.json();
}

const disabledIn = (u) => u.login_allowed === false && u.keys.length > 0 && u.keys.every((k) => k.status === 'inactive');
const enabledIn = (u) => u.login_allowed === true && u.keys.length > 0 && u.keys.every((k) => k.status === 'active');

/** 立即检查, then the row as the reloaded table shows it in `status`. */
async function checkUntil(p, status) {
  await p.locator('[data-testid=check-now]:not([disabled])').click();
  const row = p.locator(`tr[data-testid=quota-row][data-user=${USER}][data-status=${status}]`);
  await row.waitFor();
  return row;
}

test('IAM 子账号: a sub-account created under a project, its secret shown once', async ({ browser, good }) => {
  const volc = volcSim(good);
  const { p, errors } = await open(browser, `${good.url}/quota/iam`, { role: 'admin' });
  await hydrated(p);
  const account = await p.locator('[data-testid=iam-account]').inputValue();
  // The demo users are read live from the simulator.
  await p.locator(`tr[data-testid=iam-row][data-user=${USER}]`).waitFor();
  await p.click('[data-testid=iam-create-open]');
  const dialog = p.locator('[data-testid=iam-create-dialog]');
  await dialog.locator('input[name=name]').fill(CREATED);
  await dialog.locator('input[name=display_name]').fill('端到端额度机器人');
  await dialog.locator('select[name=project]').selectOption('ark-marketing');
  await dialog.locator('[data-testid=iam-create-submit]').click();
  const once = p.locator('[data-testid=iam-secret]');
  await once.waitFor();
  const secret = (await once.locator('[data-testid=iam-secret-key]').innerText()).trim();
  assert.ok(secret.length >= 20, 'the secret is shown');
  await p.screenshot({ path: join(shots, 'quota-iam-secret.png'), fullPage: true });
  await once.locator('[data-testid=iam-secret-close]').click();
  await dialog.waitFor({ state: 'detached' });
  assert.ok(!(await p.content()).includes(secret), 'closed, the page no longer holds the secret');
  // Listed, under quota control, with the policy ticked by default, in Volcengine too.
  const row = p.locator(`tr[data-testid=iam-row][data-user=${CREATED}]`);
  await expect(row.locator('[data-testid=iam-quota]')).toContainText('ark-marketing');
  const created = await iamUser(volc, account, CREATED);
  assert.deepEqual(created.policies.map((x) => x.name), ['ArkFullAccess']);
  assert.equal(created.keys.length, 1);
  // The detail reads keys and policies; a policy is attached from the picker.
  await row.locator('[data-testid=iam-detail-open]').click();
  const detail = p.locator('[data-testid=iam-detail]');
  await detail.locator('[data-testid=iam-key][data-status=active]').waitFor();
  await detail.locator('[data-testid=iam-policy-pick]').selectOption('TOSReadOnlyAccess');
  await detail.locator('[data-testid=iam-attach]').click();
  await detail.locator('[data-testid=iam-policy][data-policy=TOSReadOnlyAccess]').waitFor();
  assert.ok((await iamUser(volc, account, CREATED)).policies.some((x) => x.name === 'TOSReadOnlyAccess'));
  assert.deepEqual(errors, []);
  await p.context().close();

  // Not for analysts: the page refuses, as the other admin pages do.
  const analyst = await open(browser, `${good.url}/quota/iam`);
  assert.equal(analyst.response.status(), 403);
  await analyst.p.locator('[data-testid=error]').waitFor();
  await analyst.p.context().close();
});

test('额度管理: allocate, cross 50/80/100 %, cards in order, auto-disable, re-enable by a new allocation', async ({ browser, good }) => {
  const volc = volcSim(good);
  const feishu = feishuSim(good);
  assert.deepEqual(await cards(feishu), [], 'no card about the user yet');
  const { p, errors } = await open(browser, `${good.url}/quota`, { role: 'admin' });
  await hydrated(p);
  // The sub-account created on the IAM page is listed, nothing allocated yet.
  await p.locator(`tr[data-testid=quota-row][data-user=${CREATED}][data-status=normal]`).waitFor();

  // Register the demo user with its project.
  await p.click('[data-testid=register-open]');
  const register = p.locator('[data-testid=register-dialog]');
  await register.locator('input[name=user_name]').fill(USER);
  await register.locator('input[name=display_name]').fill('智能客服机器人');
  await register.locator('select[name=project]').selectOption(PROJECT);
  await register.locator('[data-testid=register-submit]').click();
  const row = p.locator(`tr[data-testid=quota-row][data-user=${USER}]`);
  await row.waitFor();
  const account = await row.getAttribute('data-account');
  assert.equal(await row.getAttribute('data-project'), PROJECT);
  assert.ok(enabledIn(await iamUser(volc, account, USER)), 'the demo user starts enabled');

  // ¥100, with a reason; the ledger has it.
  await setSpend(volc, account, '0');
  await row.locator('[data-testid=allocate-open]').click();
  let dialog = p.locator('[data-testid=allocate-dialog]');
  await dialog.locator('input[name=amount]').fill('100');
  await dialog.locator('input[name=reason]').fill('端到端测试：首次划拨');
  await dialog.locator('[data-testid=allocate-submit]').click();
  await expect(row.locator('[data-testid=allocated]')).toHaveText('¥100.00');
  await row.locator('[data-testid=history-open]').click();
  await expect(p.locator('[data-testid=history-row]')).toHaveCount(1);
  assert.match(await p.locator('[data-testid=history-row]').innerText(), /\+¥100\.00[\s\S]*¥0\.00 → ¥100\.00[\s\S]*首次划拨/);

  // 55 → the 50 % card; 85 → 80 %; 100 → red 额度用尽, crossing 90 and 100 at once.
  await setSpend(volc, account, '55');
  let shown = await checkUntil(p, 'warning');
  await expect(shown.locator('[data-testid=fired]')).toContainText('50%');
  await expect.poll(async () => (await cards(feishu)).length).toBe(1);
  await setSpend(volc, account, '85');
  await checkUntil(p, 'warning');
  await expect(row.locator('[data-testid=fired]')).toContainText('80%');
  await expect.poll(async () => (await cards(feishu)).length).toBe(2);
  await setSpend(volc, account, '100');
  shown = await checkUntil(p, 'disabled-app');
  await expect(shown.locator('[data-testid=status]')).toHaveText('已停用（自动）');
  await expect(shown.locator('[data-testid=usage-bar]')).toHaveAttribute('data-level', 'red');
  await expect.poll(async () => (await cards(feishu)).length).toBe(3);
  const [c50, c80, c100] = await cards(feishu);
  assert.match(c50.header.title.content, /50%/);
  assert.equal(c50.header.template, 'orange');
  assert.match(c80.header.title.content, /80%/);
  assert.equal(c80.header.template, 'orange');
  assert.match(c100.header.title.content, /额度用尽/);
  assert.equal(c100.header.template, 'red');
  await expect.poll(async () => disabledIn(await iamUser(volc, account, USER))).toBe(true);
  // The alert list has the three, delivered (read again: a delivery may end after the check did).
  await p.reload({ waitUntil: 'load' });
  await hydrated(p);
  await expect(p.locator(`tr[data-testid=alert-row][data-delivery=delivered]`)).toHaveCount(3);
  await p.screenshot({ path: join(shots, 'quota.png'), fullPage: true });

  // A deduction below what is consumed: refused, the message in the dialog, nothing recorded.
  await row.locator('[data-testid=allocate-open]').click();
  dialog = p.locator('[data-testid=allocate-dialog]');
  await dialog.locator('input[name=amount]').fill('-10');
  await dialog.locator('input[name=reason]').fill('端到端测试：超额扣减');
  await dialog.locator('[data-testid=allocate-submit]').click();
  await expect(dialog.locator('[data-testid=allocate-error]')).toContainText('扣减后已划拨额度将低于已消耗金额');
  await dialog.locator('[data-testid=allocate-cancel]').click();
  await expect(row.locator('[data-testid=allocated]')).toHaveText('¥100.00');

  // ¥100 more: enabled again in Volcengine, no longer shown disabled.
  await row.locator('[data-testid=allocate-open]').click();
  dialog = p.locator('[data-testid=allocate-dialog]');
  await dialog.locator('input[name=amount]').fill('100');
  await dialog.locator('input[name=reason]').fill('端到端测试：追加额度');
  await dialog.locator('[data-testid=allocate-submit]').click();
  await expect(row.locator('[data-testid=allocated]')).toHaveText('¥200.00');
  await expect.poll(async () => enabledIn(await iamUser(volc, account, USER))).toBe(true);
  await expect(row).not.toHaveAttribute('data-status', 'disabled-app');
  // The one failed request the browser reports is the refused deduction (400).
  assert.deepEqual(errors, ['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  await p.context().close();

  // A viewer reads the page (and its history) but gets no action.
  const viewer = await open(browser, `${good.url}/quota`, { role: 'viewer' });
  assert.equal(viewer.response.status(), 200);
  await viewer.p.locator(`tr[data-testid=quota-row][data-user=${USER}]`).waitFor();
  assert.equal(await viewer.p.locator('[data-testid=allocate-open], [data-testid=check-now]').count(), 0);
  const refused = await fetchAs(`${good.url}/api/quota/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, 'viewer');
  assert.equal(refused.status, 403);
  await viewer.p.context().close();
});
