// Global setup: the release server against a fresh embedded warehouse ("good", the demo with
// local simulators) and a second one whose SQL Server is unreachable ("broken"). Their URLs and
// log files reach the specs through the environment (see harness.mjs); the returned function
// stops them.
import { spawn } from 'node:child_process';
import { chromium } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync, appendFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Starts the release binary on port 0 and resolves once it listens. */
function startServer(name, env) {
  const dataDir = mkdtempSync(join(tmpdir(), `suanpan-e2e-${name}-`));
  const logFile = join(dataDir, 'server.log');
  writeFileSync(logFile, '');
  const child = spawn(join(root, 'target/release/suanpan'), [], {
    cwd: root,
    env: {
      ...process.env,
      SUANPAN_ADDR: '127.0.0.1:0',
      SUANPAN_DATA_DIR: dataDir,
      SUANPAN_SITE_ROOT: join(root, 'target/site'),
      RUST_LOG: 'info,sqlx=warn',
      SUANPAN_ADMIN_USER: ADMIN.username,
      SUANPAN_ADMIN_PASSWORD: ADMIN.password,
      NO_COLOR: '1',
      // Quota checks only when a spec asks (立即检查): no scheduled run racing its steps, no demo seed.
      SUANPAN_QUOTA_CHECKS: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} server did not start:\n${log}`)), 180_000);
    const onData = (chunk) => {
      log += chunk;
      appendFileSync(logFile, chunk);
      const m = log.match(/listening on (http:\/\/[\d.]+:\d+)/);
      if (m && timer) {
        clearTimeout(timer);
        resolve({ url: m[1], child, dataDir, logFile });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${name} server exited ${code}:\n${log}`)); });
  });
}

/** The first admin, created by the server from its environment; the other roles' users are
 * created by the admin through the users page's server function. */
export const ADMIN = { username: 'e2e-admin', password: 'e2e-管理员-口令-2026' };
export const USERS = {
  analyst: { username: 'e2e-analyst', password: 'e2e-分析师-口令-2026' },
  viewer: { username: 'e2e-viewer', password: 'e2e-只读-口令-2026' },
};

/** Signs in through the sign-in page as a user would and saves the session for the specs. */
async function signIn(browser, url, user, file) {
  const context = await browser.newContext();
  const p = await context.newPage();
  await p.goto(`${url}/login`);
  await p.fill('input[name=username]', user.username);
  await p.fill('input[name=password]', user.password);
  await Promise.all([p.waitForURL((u) => u.pathname === '/'), p.click('button[type=submit]')]);
  await context.storageState({ path: file });
  return context;
}

async function signInEveryRole(name, url, dir) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const admin = await signIn(browser, url, ADMIN, join(dir, `${name}-admin.json`));
    for (const [role, user] of Object.entries(USERS)) {
      const answer = await admin.request.post(`${url}/api/admin/users/create`, {
        form: { username: user.username, display_name: user.username, password: user.password, role },
        headers: { Origin: url },
      });
      if (!answer.ok()) throw new Error(`creating ${role}: ${answer.status()} ${await answer.text()}`);
      await (await signIn(browser, url, user, join(dir, `${name}-${role}.json`))).close();
    }
    await admin.close();
  } finally {
    await browser.close();
  }
}

export default async function globalSetup() {
  const servers = await Promise.all([
    startServer('demo', { SUANPAN_BILLING_HISTORY_MONTHS: '1' }),
    startServer('broken', {
      SUANPAN_WAREHOUSE_URL: 'mssql://reader:not-a-real-password@127.0.0.1:9/WideWorldImporters?encrypt=off&connect_timeout_s=2',
    }),
  ]);
  const [good, broken] = servers;
  const states = mkdtempSync(join(tmpdir(), 'suanpan-e2e-sessions-'));
  await signInEveryRole('GOOD', good.url, states);
  await signInEveryRole('BROKEN', broken.url, states);
  process.env.SUANPAN_E2E_SESSIONS = states;
  process.env.SUANPAN_E2E_GOOD_URL = good.url;
  process.env.SUANPAN_E2E_GOOD_LOG = good.logFile;
  process.env.SUANPAN_E2E_BROKEN_URL = broken.url;
  process.env.SUANPAN_E2E_BROKEN_LOG = broken.logFile;
  return async () => {
    for (const s of servers) {
      s.child.removeAllListeners('exit');
      s.child.kill('SIGTERM');
      // The server's log outlives the run, for a failure's post-mortem (CI keeps test-results).
      mkdirSync(join(root, 'end2end', 'test-results'), { recursive: true });
      copyFileSync(s.logFile, join(root, 'end2end', 'test-results', `${basename(s.dataDir)}.log`));
      rmSync(s.dataDir, { recursive: true, force: true });
    }
    rmSync(states, { recursive: true, force: true });
  };
}
