// What every spec shares: the two servers, a page opener that records script errors, and the
// screenshot folder.
import { test as base } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const shots = join(root, 'end2end', 'screenshots');
mkdirSync(shots, { recursive: true });

export const ANALYSES = ['top-sellers', 'affinity', 'inventory', 'customers', 'seasonal'];

function server(name) {
  const url = process.env[`SUANPAN_E2E_${name}_URL`];
  const logFile = process.env[`SUANPAN_E2E_${name}_LOG`];
  if (!url) throw new Error(`no ${name} server: run through playwright.config.mjs`);
  return { url, log: () => readFileSync(logFile, 'utf8') };
}

/** The saved session of `role` on the server that serves `url` (global setup signed each in). */
export function sessionFile(url, role) {
  const name = ['GOOD', 'BROKEN'].find((n) => url.startsWith(process.env[`SUANPAN_E2E_${n}_URL`]));
  if (!name) throw new Error(`no server for ${url}`);
  return join(process.env.SUANPAN_E2E_SESSIONS, `${name}-${role}.json`);
}

/** Chromium's console report of a blocked script, style, image or fetch. */
const CSP_REPORT = /Content Security Policy/i;

/**
 * `good`: the demo server with local simulators; `broken`: its SQL Server is unreachable.
 * `cspGuard` (automatic): fails any test during which a page reported a Content-Security-Policy
 * violation, whether or not the test reads that page's errors, by listening on every browser
 * context the test creates. A test that provokes one on purpose sets `cspExpected` (then the
 * guard fails it if none was reported, which shows the guard sees them).
 */
export const test = base.extend({
  good: async ({}, use) => use(server('GOOD')),
  broken: async ({}, use) => use(server('BROKEN')),
  cspExpected: [false, { option: true }],
  cspGuard: [async ({ browser, cspExpected }, use) => {
    const violations = [];
    const newContext = browser.newContext;
    browser.newContext = async (...args) => {
      const context = await newContext.apply(browser, args);
      context.on('console', (m) => {
        if (m.type() === 'error' && CSP_REPORT.test(m.text())) violations.push(`${m.page()?.url()}: ${m.text()}`);
      });
      return context;
    };
    try {
      await use();
    } finally {
      browser.newContext = newContext;
    }
    if (cspExpected && !violations.length) throw new Error('a Content-Security-Policy violation was expected and none was reported');
    if (!cspExpected && violations.length) throw new Error(`Content-Security-Policy violations:\n${violations.join('\n')}`);
  }, { auto: true }],
});

/**
 * Opens `url` in a new browser context. Returns the page, the script errors seen on it and the
 * navigation response. `options` are Playwright context options (viewport, javaScriptEnabled, …)
 * and `role`: whose session the context carries — 'analyst' (default), 'admin', 'viewer', or
 * 'anonymous' for none.
 */
export async function open(browser, url, options = {}) {
  const { role = 'analyst', ...contextOptions } = options;
  if (role !== 'anonymous') contextOptions.storageState = sessionFile(url, role);
  const context = await browser.newContext(contextOptions);
  const p = await context.newPage();
  const errors = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  p.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const response = await p.goto(url, { waitUntil: 'load' });
  return { p, errors, response };
}

/** The rows of the page's main table, once there. */
export async function rowsOf(p) {
  await p.waitForSelector('table[data-testid=table] tbody tr', { timeout: 30_000 });
  return p.locator('table[data-testid=table] tbody tr');
}

/** Resolves once the page has hydrated (the shell marks <body> when the app is interactive). */
export async function hydrated(p) {
  await p.waitForSelector('body[data-hydrated]', { timeout: 60_000 });
}

/** The address of a simulator the demo server logged, e.g. `simulator(good, /DashScope simulator serving.*?addr=([\d.]+:\d+)/)`. */
export function simulator(srv, pattern) {
  const m = srv.log().match(pattern);
  if (!m) throw new Error(`the server did not log ${pattern}`);
  return `http://${m[1]}`;
}

/**
 * `fetch` as `role` would from the app's own pages: the saved session's cookie, and on a POST
 * the page's `Origin` (the server refuses state changes from other sites).
 */
export async function fetchAs(url, init = {}, role = 'analyst') {
  const state = JSON.parse(readFileSync(sessionFile(url, role), 'utf8'));
  const cookie = state.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const headers = { ...(init.headers || {}), cookie, origin: new URL(url).origin };
  return fetch(url, { ...init, headers });
}
