// Shared harness of the browser tests: Debian's Chromium driven by playwright-core, one browser per test file,
// one fresh context (cookies, storage) per scenario. Every scenario saves a screenshot; a failing one also
// saves a `-FAILED` screenshot and prints what the page and its popups logged.
import { test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const BASE_URL = (process.env.ZGW_BASE_URL || 'http://127.0.0.1:18085').replace(/\/$/, '');
export const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// Without the networking flags Chromium waits on update/sync services it cannot reach on a closed network.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export const LAPTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 812 };

export async function launchBrowser() {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
}

let shotNumber = 0;

/**
 * Declares a node:test test that gets a fresh browser context and page at `viewport`. `fn(t, s)` receives
 * s = { context, page, logs, pageErrors, shot(label, { target, fullPage }) }. The final screenshot is `NN-<slug>.png`.
 */
export function scenario(getBrowser, name, fn, { viewport = LAPTOP, timeout = 90_000 } = {}) {
  test(name, { timeout }, async (t) => {
    const browser = getBrowser();
    const context = await browser.newContext({ viewport, baseURL: BASE_URL, locale: 'en-GB', timezoneId: 'UTC' });
    context.setDefaultTimeout(15_000);
    const logs = [];
    const pageErrors = [];
    const watch = (page, label) => {
      page.on('console', (m) => logs.push(`[${label} console.${m.type()}] ${m.text()}`));
      page.on('pageerror', (e) => {
        pageErrors.push(`${label}: ${e.message}`);
        logs.push(`[${label} pageerror] ${e.stack || e.message}`);
      });
      page.on('requestfailed', (r) => logs.push(`[${label} requestfailed] ${r.method()} ${r.url()} ${r.failure()?.errorText}`));
      page.on('response', (r) => {
        if (r.status() >= 400) logs.push(`[${label} http ${r.status()}] ${r.request().method()} ${r.url()}`);
      });
    };
    let pages = 0;
    context.on('page', (p) => {
      pages += 1;
      watch(p, pages === 1 ? 'page' : `popup${pages - 1}`);
    });
    const page = await context.newPage();
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
    const prefix = String(++shotNumber).padStart(2, '0');
    const shot = async (label, { target = page, fullPage = false } = {}) => {
      const file = path.join(SCREENSHOTS, `${prefix}-${slug}${label ? `-${label}` : ''}.png`);
      await target.waitForTimeout(300); // let fades (loading dim, toast) settle so the picture is what a person sees
      await target.screenshot({ path: file, fullPage });
      return file;
    };
    try {
      await fn(t, { context, page, logs, pageErrors, shot });
      await shot('');
    } catch (err) {
      try {
        if (!page.isClosed()) await shot('FAILED');
      } catch (shotErr) {
        logs.push(`(no failure screenshot: ${shotErr.message})`);
      }
      console.log(`\n--- browser log of "${name}" (${logs.length} lines) ---\n${logs.join('\n') || '(empty)'}\n--- end ---`);
      throw err;
    } finally {
      await context.close();
    }
  });
}

/** Signs in through the Zoho popup (the sandbox's consent page) as the demo user whose name is given. */
export async function signIn(page, userName, { trigger } = {}) {
  const popupPromise = page.waitForEvent('popup');
  await (trigger || page.getByRole('button', { name: 'Sign in with Zoho' })).click();
  const popup = await popupPromise;
  await popup.waitForURL((url) => !url.pathname.endsWith('blank') && url.href !== 'about:blank');
  await popup.getByText('Sign in to Zylker Academy (sandbox)').first().waitFor();
  const closed = popup.waitForEvent('close');
  await popup.getByRole('button', { name: new RegExp(userName) }).click();
  await closed;
  await page.locator('#user-name', { hasText: userName }).waitFor();
  await waitForList(page);
}

/** Waits until the student table has finished loading (rows or the empty state are shown). */
export async function waitForList(page) {
  await page.waitForFunction(() => {
    const wrap = document.getElementById('table-wrap');
    return wrap && wrap.getAttribute('aria-busy') === 'false'
      && (document.querySelectorAll('#students-body tr[data-id]').length > 0 || !document.getElementById('empty-state').hidden);
  });
}

/** The rows of the student table as objects keyed by column label. */
export async function tableRows(page) {
  return page.$$eval('#students-body tr[data-id]', (trs) => trs.map((tr) => {
    const row = { id: tr.dataset.id };
    for (const td of tr.querySelectorAll('td[data-label]')) row[td.dataset.label] = td.textContent.trim();
    const time = tr.querySelector('time');
    row.modifiedIso = time ? time.dateTime : null;
    return row;
  }));
}

/** Calls the gateway's GraphQL endpoint from inside the page, with the page's session cookie. */
export async function gqlInPage(page, query, variables = {}) {
  return page.evaluate(async ([q, v]) => {
    const r = await fetch('/graphql', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ query: q, variables: v }),
    });
    return r.json();
  }, [query, variables]);
}

/** Opens the portal at `path` and waits until it has decided whether someone is signed in. */
export async function openPortal(page, path = '/') {
  await page.goto(path);
  await page.locator('#view-loading').waitFor({ state: 'hidden' });
}

/** A letters-only word unlikely to occur in the seed data, so word search finds exactly our student. */
export function uniqueWord() {
  return `Qz${unique().replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)])}`;
}

/** A short unique suffix so runs against a long-lived gateway do not collide. */
export function unique() {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
}
