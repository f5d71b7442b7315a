// The live student list in headless Chromium against `zoho-gateway --sandbox` (run.sh starts it): the portal's
// LeadChanged subscription over a WebSocket (graphql-transport-ws). Changes are made "in Zoho CRM's own UI"
// through the sandbox's POST /sandbox/ui-edit (on in --sandbox mode), so they reach the portal only the way a
// real one would: Zoho's notification to the gateway, the gateway's re-read with the user's token, the socket.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE_URL, launchBrowser, openPortal, scenario, signIn, waitForList, tableRows, gqlInPage, uniqueWord,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });
const it = (name, fn, options) => scenario(() => browser, name, fn, options);

const ADMIN = 'Priya Sharma';
// From a change in Zoho to the row on screen: the callback, a Zoho read and a socket message, on 2 busy cores.
const ARRIVES_WITHIN = 5000;

/**
 * A function that changes Leads "in Zoho's UI": `zoho('edit', { id, fields })`, `zoho('create', { fields })`,
 * `zoho('delete', { id })` (fields by Zoho API name); returns the record's id. The sandbox's switch lives on its
 * accounts server, whose origin is that of Zoho's authorization URL.
 */
async function zohoUi(page) {
  const login = await gqlInPage(page, 'mutation($r: String!) { login(redirectUrl: $r) { url } }', { r: `${BASE_URL}/redirect.html` });
  assert.ok(login.data?.login?.url, JSON.stringify(login));
  const endpoint = `${new URL(login.data.login.url).origin}/sandbox/ui-edit`;
  return async (action, body) => {
    const r = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ action, module: 'Leads', ...body }),
    });
    const answer = await r.json();
    assert.ok(r.ok, `the sandbox refused the ${action}: ${r.status} ${JSON.stringify(answer)}`);
    return answer.id;
  };
}

/** Waits until the live indicator says `text` (its state attribute `state`). */
async function liveIs(page, state, text, timeout = 10000) {
  await page.locator(`#live-status[data-state="${state}"]`).waitFor({ timeout });
  assert.equal(await page.locator('#live-text').textContent(), text);
}

/** The range line's total: "1–25 of 312 students" -> 312. */
async function total(page) {
  const text = await page.locator('#list-status').textContent();
  const m = text.match(/of ([\d,]+) students?$/);
  assert.ok(m, `a range line with a total: ${JSON.stringify(text)}`);
  return Number(m[1].replace(/,/g, ''));
}

/**
 * Collects the LeadChanged events the page's socket receives, by record id, to know that a change has reached
 * the page even when the page (rightly) shows nothing of it yet.
 */
function recordEvents(page) {
  const events = [];
  page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
    try {
      const message = JSON.parse(String(payload));
      const change = message.type === 'next' && message.payload?.data?.leadChanged;
      if (change) events.push(change);
    } catch {
      // not ours to judge here
    }
  }));
  return {
    events,
    async arrived(id, operation) {
      const started = Date.now();
      while (!events.some((e) => e.id === id && e.operation === operation)) {
        assert.ok(Date.now() - started < ARRIVES_WITHIN, `no ${operation} event for ${id} within ${ARRIVES_WITHIN} ms: ${JSON.stringify(events)}`);
        await page.waitForTimeout(50);
      }
    },
  };
}

/** Waits until row `id` shows `college` and carries the live highlight at the same moment; returns the ms it took. */
async function highlightedWith(page, id, college, since = Date.now()) {
  await page.waitForFunction(([rowId, text]) => {
    const tr = [...document.querySelectorAll('#students-body tr')].find((r) => r.dataset.id === rowId);
    return tr && tr.classList.contains('is-live-updated') && tr.querySelector('td[data-label="College"]').textContent === text;
  }, [id, college], { timeout: ARRIVES_WITHIN });
  return Date.now() - since;
}

it('the list is live: a change made in Zoho appears in its row, highlighted; an addition is noted; a deletion removes the row', async (t, { page, pageErrors, logs, shot }) => {
  await openPortal(page);
  await signIn(page, ADMIN);
  const zoho = await zohoUi(page);
  const word = uniqueWord();

  await t.test('the list header says Live', async () => {
    await liveIs(page, 'live', 'Live');
    const indicator = page.locator('#live-status');
    assert.equal(await indicator.getAttribute('role'), 'status', 'a polite live region: its changes are announced');
    assert.match(await indicator.textContent(), /Live updates:\s*Live/, 'screen readers hear what the word is about');
    assert.ok(await indicator.isVisible());
    assert.ok(!logs.some((l) => /Content Security Policy/i.test(l)), `CSP let the socket through: ${logs.join('\n')}`);
  });

  await t.test('an edit in Zoho refreshes the row in place, with a short highlight', async () => {
    const before = await tableRows(page);
    assert.equal(before.length, 25);
    const target = before[3];
    const college = `Live College ${word}`;
    const started = Date.now();
    await zoho('edit', { id: target.id, fields: { Company: college } });
    const took = await highlightedWith(page, target.id, college, started);
    await shot('highlight');
    const afterRows = await tableRows(page);
    assert.deepEqual(afterRows.map((r) => r.id), before.map((r) => r.id), 'no row moved, none came or went');
    assert.deepEqual(afterRows.filter((r) => r.id !== target.id), before.filter((r) => r.id !== target.id), 'the other rows are as they were');
    const row = afterRows[3];
    assert.equal(row.College, college);
    assert.deepEqual({ Name: row.Name, Email: row.Email, Owner: row.Owner }, { Name: target.Name, Email: target.Email, Owner: target.Owner },
      'what was not edited is kept');
    assert.ok(Date.parse(row.modifiedIso) >= Date.parse(target.modifiedIso), `Modified follows Zoho (${target.modifiedIso} -> ${row.modifiedIso})`);
    // The highlight is short: about 1.5 s from the moment the change arrived.
    await page.locator(`#students-body tr[data-id="${target.id}"].is-live-updated`).waitFor({ state: 'detached', timeout: 3000 });
    assert.ok(took < ARRIVES_WITHIN, `arrived in ${took} ms`);
  });

  await t.test('with reduced motion the highlight is still (no fade) and as short', async () => {
    await page.emulateMedia({ reducedMotion: 'reduce' });
    try {
      const target = (await tableRows(page))[5];
      const college = `Still College ${word}`;
      await zoho('edit', { id: target.id, fields: { Company: college } });
      await highlightedWith(page, target.id, college);
      const style = await page.locator(`#students-body tr[data-id="${target.id}"]`).evaluate((tr) => {
        const s = getComputedStyle(tr);
        return { animation: s.animationName, background: s.backgroundColor };
      });
      assert.deepEqual(style, { animation: 'none', background: 'rgb(255, 240, 179)' });
      await page.locator(`#students-body tr[data-id="${target.id}"].is-live-updated`).waitFor({ state: 'detached', timeout: 3000 });
    } finally {
      await page.emulateMedia({ reducedMotion: null });
    }
  });

  let created;
  await t.test('an addition in Zoho puts up a note instead of moving the page; Refresh shows the student', async () => {
    const before = await tableRows(page);
    const count = await total(page);
    created = await zoho('create', { fields: { First_Name: 'Livia', Last_Name: word, Company: 'Harbour College', Email: `livia.${word.toLowerCase()}@example.com` } });
    const note = page.locator('#live-note');
    await note.filter({ hasText: 'New students were added.' }).waitFor({ timeout: ARRIVES_WITHIN });
    assert.equal(await note.getAttribute('role'), 'status');
    await shot('new-note');
    assert.deepEqual((await tableRows(page)).map((r) => r.id), before.map((r) => r.id), 'the page did not change by itself');
    assert.equal(await total(page), count, 'nor did its count');
    await note.getByRole('button', { name: 'Refresh' }).click();
    await page.locator(`#students-body tr[data-id="${created}"]`).waitFor();
    await waitForList(page);
    const rows = await tableRows(page);
    assert.equal(rows[0].id, created, 'the newest change comes first in the default order');
    assert.deepEqual({ Name: rows[0].Name, College: rows[0].College }, { Name: `Livia ${word}`, College: 'Harbour College' });
    assert.equal(await total(page), count + 1);
    assert.equal(await note.textContent(), '', 'the note is gone once the list is loaded again');
  });

  await t.test('a deletion in Zoho removes the row and the count follows', async () => {
    const count = await total(page);
    const before = await tableRows(page);
    await zoho('delete', { id: created });
    await page.locator(`#students-body tr[data-id="${created}"]`).waitFor({ state: 'detached', timeout: ARRIVES_WITHIN });
    assert.equal(await total(page), count - 1, 'the range line counts one student fewer at once');
    await page.locator('#toast', { hasText: `Livia ${word} was deleted.` }).waitFor();
    // More students follow this page: it is loaded again, so the first of page 2 moves up and Next skips none.
    await page.waitForFunction(() => document.querySelectorAll('#students-body tr[data-id]').length === 25);
    const rows = await tableRows(page);
    assert.ok(!rows.some((r) => r.id === created));
    assert.deepEqual(rows.slice(0, 24).map((r) => r.id), before.slice(1).map((r) => r.id), 'the others keep their order');
    assert.equal(await total(page), count - 1);
  });
  assert.deepEqual(pageErrors, []);
});

it('with the edit form open the list holds still; the student being edited shows what changed and keeps what was typed', async (t, { page, pageErrors, shot }) => {
  const live = recordEvents(page);
  await openPortal(page);
  await signIn(page, ADMIN);
  await liveIs(page, 'live', 'Live');
  const zoho = await zohoUi(page);
  const word = uniqueWord();
  const dialog = page.locator('#student-dialog');
  const rows = await tableRows(page);
  const [edited, other] = [rows[1], rows[4]];

  await t.test('changes elsewhere wait until the form closes', async () => {
    await page.getByRole('button', { name: `Edit ${edited.Name}` }).click();
    await page.getByRole('dialog', { name: `Edit ${edited.Name}` }).waitFor();
    const college = await dialog.getByLabel('College').inputValue();
    await dialog.getByLabel('First name').fill(`Typed${word}`);

    await zoho('edit', { id: other.id, fields: { Company: `Elsewhere ${word}` } });
    await zoho('edit', { id: edited.id, fields: { First_Name: 'Remote', Company: `Moved ${word}` } });
    await live.arrived(other.id, 'UPDATED');
    await live.arrived(edited.id, 'UPDATED');
    await page.waitForTimeout(300); // what the page would do with them, it has done by now

    assert.deepEqual(await tableRows(page), rows, 'the table behind the form has not changed');
    assert.equal(await page.locator('#students-body tr.is-live-updated').count(), 0, 'nothing is highlighted yet');
    const notice = page.locator('#form-notice');
    assert.equal(await notice.getAttribute('role'), 'status');
    assert.match(await notice.textContent(), /changed elsewhere while you were editing/);
    assert.match(await notice.textContent(), /First name is now “Remote”/);
    assert.match(await notice.textContent(), new RegExp(`College is now “Moved ${word}”`));
    assert.equal(await dialog.getByLabel('First name').inputValue(), `Typed${word}`, 'what the user typed is kept');
    assert.equal(await dialog.getByLabel('College').inputValue(), college, 'a field the user did not touch is not overwritten either');
    await shot('form-notice');

    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await highlightedWith(page, other.id, `Elsewhere ${word}`);
    await highlightedWith(page, edited.id, `Moved ${word}`);
    const after = await tableRows(page);
    assert.deepEqual(after.map((r) => r.id), rows.map((r) => r.id), 'the rows kept their places');
    assert.match(after[1].Name, /^Remote /, 'the name changed in Zoho is shown');
    assert.equal(after[4].College, `Elsewhere ${word}`);
  });

  await t.test('saving after a change elsewhere sends only what the user changed', async () => {
    const now = (await tableRows(page))[1];
    await page.getByRole('button', { name: `Edit ${now.Name}` }).click();
    await page.getByRole('dialog', { name: `Edit ${now.Name}` }).waitFor();
    assert.equal(await page.locator('#form-notice').textContent(), '', 'a new form starts without a notice');
    await dialog.getByLabel('First name').fill(`Typed${word}`);
    await zoho('edit', { id: edited.id, fields: { Company: `Again ${word}` } });
    await page.locator('#form-notice', { hasText: `College is now “Again ${word}”` }).waitFor({ timeout: ARRIVES_WITHIN });
    await dialog.getByRole('button', { name: 'Save changes' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const saved = await gqlInPage(page, 'query($id: ID!) { lead(id: $id) { firstName company } }', { id: edited.id });
    assert.deepEqual(saved.data.lead, { firstName: `Typed${word}`, company: `Again ${word}` },
      'the user\'s first name and the college changed in Zoho both stand');
    await page.locator(`#students-body tr[data-id="${edited.id}"]`, { hasText: `Again ${word}` }).waitFor();
  });

  await t.test('a deletion elsewhere while editing stops the save and says why', async () => {
    const id = await zoho('create', { fields: { First_Name: 'Gone', Last_Name: word, Company: 'Harbour College' } });
    await page.locator('#live-note').getByRole('button', { name: 'Refresh' }).click();
    await page.locator(`#students-body tr[data-id="${id}"]`).waitFor();
    await page.getByRole('button', { name: `Edit Gone ${word}` }).click();
    await page.getByRole('dialog', { name: `Edit Gone ${word}` }).waitFor();
    await dialog.getByLabel('College').fill('Typed College');
    await zoho('delete', { id });
    await page.locator('#form-notice', { hasText: 'was deleted elsewhere while you were editing' }).waitFor({ timeout: ARRIVES_WITHIN });
    assert.equal(await dialog.getByRole('button', { name: 'Save changes' }).isDisabled(), true, 'Save is off');
    assert.equal(await dialog.getByLabel('College').inputValue(), 'Typed College', 'what was typed stays to copy');
    assert.equal(await page.locator(`#students-body tr[data-id="${id}"]`).count(), 1, 'the row stays while the form is open');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.locator(`#students-body tr[data-id="${id}"]`).waitFor({ state: 'detached' });
  });
  assert.deepEqual(pageErrors, []);
});

it('a dropped connection reconnects and catches up; a session ended in another tab stops the live list for good', async (t, { context, page, pageErrors, shot }) => {
  // The page's sockets pass through Playwright, which can drop them as a network would, and hold a new one
  // back (while `hold` is pending) to make a gap of known length.
  const routes = [];
  let hold = null;
  await page.routeWebSocket(/\/graphql$/, async (ws) => {
    if (hold) await hold;
    ws.connectToServer();
    routes.push(ws);
  });
  await openPortal(page);
  await signIn(page, ADMIN);
  await liveIs(page, 'live', 'Live');
  const zoho = await zohoUi(page);
  const word = uniqueWord();

  await t.test('a drop shows Reconnecting…, and a change made meanwhile is on screen once Live again', async () => {
    const rows = await tableRows(page);
    const target = rows[2];
    const opened = routes.length;
    let release;
    hold = new Promise((resolve) => { release = resolve; });
    await routes.at(-1).close({ code: 4500, reason: 'dropped by the test' });
    await liveIs(page, 'reconnecting', 'Reconnecting…', 3000);
    await shot('reconnecting');
    // Made while no socket is open, so no event carries it: once Live again, the page is loaded again.
    await zoho('edit', { id: target.id, fields: { Company: `Meanwhile ${word}` } });
    await page.waitForTimeout(2000); // the sandbox's callback has come and gone
    assert.equal(await page.locator(`#students-body tr[data-id="${target.id}"]`, { hasText: `Meanwhile ${word}` }).count(), 0,
      'nothing reached the page during the gap');
    hold = null;
    release();
    await liveIs(page, 'live', 'Live', 5000);
    assert.equal(routes.length, opened + 1, 'one new connection');
    await page.locator(`#students-body tr[data-id="${target.id}"]`, { hasText: `Meanwhile ${word}` }).waitFor({ timeout: ARRIVES_WITHIN });
    // And the new connection carries changes as the first did.
    await zoho('edit', { id: target.id, fields: { Company: `After ${word}` } });
    await highlightedWith(page, target.id, `After ${word}`);
  });

  await t.test('signing out in another tab ends the session: Not live, Sign in again, no more attempts', async () => {
    const other = await context.newPage();
    await openPortal(other);
    await other.locator('#user-name', { hasText: ADMIN }).waitFor();
    await other.getByRole('button', { name: 'Sign out' }).click();
    await other.locator('#signin-status', { hasText: 'You are signed out.' }).waitFor();
    await other.close();
    await liveIs(page, 'ended', 'Not live', 5000);
    const banner = page.locator('#banner[data-code="UNAUTHENTICATED"]');
    await banner.waitFor();
    assert.ok(await banner.getByRole('button', { name: 'Sign in again' }).isVisible());
    const opened = routes.length;
    await page.waitForTimeout(2500); // past the first two backoff steps
    assert.equal(routes.length, opened, 'no reconnection after the session ended');
    await shot('ended');
    await signIn(page, ADMIN, { trigger: banner.getByRole('button', { name: 'Sign in again' }) });
    await liveIs(page, 'live', 'Live');
  });

  await t.test('signing out here closes the socket without a word about an ended session', async () => {
    const opened = routes.length;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#signin-status', { hasText: 'You are signed out.' }).waitFor();
    await page.waitForTimeout(1500);
    assert.equal(await page.locator('#banner').isVisible(), false, 'no banner on the sign-in page');
    assert.equal(routes.length, opened, 'no reconnection');
  });
  assert.deepEqual(pageErrors, []);
});
