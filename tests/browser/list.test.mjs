// The student list's filters, range line, sorting and URL state in headless Chromium against
// `zoho-gateway --sandbox` (run.sh starts it). The counts the portal shows are checked against the whole list
// read through the gateway's plain records list, which involves neither COQL nor Zoho's counts.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  PHONE, launchBrowser, openPortal, scenario, signIn, waitForList, tableRows, gqlInPage, unique,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });
const it = (name, fn, options) => scenario(() => browser, name, fn, options);

const ADMIN = 'Priya Sharma';
const COORDINATOR = 'Daniel Okafor';
const COURSE = 'Web Design';

const courseFilter = (page) => page.getByRole('combobox', { name: 'Course', exact: true });
const statusFilter = (page) => page.getByRole('combobox', { name: 'Status', exact: true });
const sortSelect = (page) => page.getByRole('combobox', { name: 'Sort by' });

/** Waits until the table shows a finished list (not the loading or searching state). */
async function settled(page) {
  await waitForList(page);
  await page.waitForFunction(() => !/^(Loading|Searching)/.test(document.getElementById('list-status').textContent));
}

/** Runs `action` (a user's change to the list) and waits until the URL names the list it asked for. */
async function change(page, action, urlPart) {
  await action();
  await page.waitForFunction((part) => location.search.includes(part), urlPart);
  await settled(page);
}

async function search(page, text) {
  await page.getByLabel('Search students').fill(text);
  await change(page, () => page.getByRole('button', { name: 'Search', exact: true }).click(), `q=${new URLSearchParams({ q: text }).toString().slice(2)}`);
}

/** The range line as numbers: "1–25 of 312 students" -> { first: 1, last: 25, total: 312 }. */
async function range(page) {
  const text = await page.locator('#list-status').textContent();
  const m = text.match(/(\d[\d,]*)(?:–(\d[\d,]*))? of (\d[\d,]*) students?$/);
  assert.ok(m, `a range line "first–last of N students": ${JSON.stringify(text)}`);
  const n = (s) => Number(s.replace(/,/g, ''));
  return { first: n(m[1]), last: n(m[2] || m[1]), total: n(m[3]), text };
}

/** Every student the signed-in user may see, with course and status, read through the plain records list. */
async function everyStudent(page) {
  const all = [];
  for (let p = 1; p <= 10; p += 1) {
    const r = await gqlInPage(page, 'query($p: Int!) { leads(page: $p, perPage: 200) { nodes { id lastName course leadStatus owner { name } } pageInfo { hasMore } } }', { p });
    assert.ok(r.data, JSON.stringify(r));
    all.push(...r.data.leads.nodes);
    if (!r.data.leads.pageInfo.hasMore) return all;
  }
  throw new Error('more than 2000 students');
}

/** Every row of the list as the portal pages through it with Next, at `perPage`. */
async function pageThrough(page, maxPages = 10) {
  const rows = [];
  for (let i = 0; i < maxPages; i += 1) {
    rows.push(...await tableRows(page));
    const next = page.getByRole('button', { name: 'Next' });
    if (!(await next.isVisible()) || await next.isDisabled()) return rows;
    await change(page, () => next.click(), `page=${i + 2}`);
  }
  throw new Error(`more than ${maxPages} pages`);
}

/** The most common value of `key` among `rows` (so a filter on it has several rows to show). */
function mostCommon(rows, key) {
  const counts = new Map();
  for (const r of rows) if (r[key]) counts.set(r[key], (counts.get(r[key]) || 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0][0];
}

it('the admin filters by course, then by course and status; the range line counts what the sandbox has', async (_t, { page, pageErrors, shot }) => {
  await openPortal(page);
  await signIn(page, ADMIN);
  const everyone = await everyStudent(page);
  assert.ok(everyone.length >= 300, `the admin sees every seed lead (${everyone.length})`);
  await settled(page);
  assert.deepEqual(await range(page), { first: 1, last: 25, total: everyone.length, text: `1–25 of ${everyone.length} students` });

  // The filters offer the org's picklists, each after its "All" choice.
  const meta = await gqlInPage(page, '{ crmModule(apiName: "Leads") { fields { graphqlName options { value } } } }');
  const optionsOf = (name) => meta.data.crmModule.fields.find((f) => f.graphqlName === name).options
    .map((o) => o.value).filter((v) => v !== '-None-');
  const offered = async (select) => select.evaluate((el) => [...el.options].map((o) => o.value));
  await page.waitForFunction(() => document.getElementById('status-filter').options.length > 1);
  assert.deepEqual(await offered(courseFilter(page)), ['', ...optionsOf('course')]);
  assert.deepEqual(await offered(statusFilter(page)), ['', ...optionsOf('leadStatus')]);
  assert.equal(await courseFilter(page).locator('option').first().textContent(), 'All courses');
  assert.equal(await statusFilter(page).locator('option').first().textContent(), 'All statuses');

  // Course: only that course's students, as many as the sandbox has.
  const inCourse = everyone.filter((s) => s.course === COURSE);
  assert.ok(inCourse.length > 0, `the seed has ${COURSE} students`);
  await change(page, () => courseFilter(page).selectOption(COURSE), 'course=Web+Design');
  const shownLast = Math.min(25, inCourse.length);
  assert.deepEqual(await range(page), { first: 1, last: shownLast, total: inCourse.length, text: `1–${shownLast} of ${inCourse.length} students` });
  const firstPage = await tableRows(page);
  assert.deepEqual([...new Set(firstPage.map((r) => r.Course))], [COURSE], 'only the chosen course is listed');
  await shot('course');

  // Course and status together (the status most common in that course, so there is something to list).
  const status = mostCommon(inCourse, 'leadStatus');
  const both = inCourse.filter((s) => s.leadStatus === status);
  await change(page, () => statusFilter(page).selectOption(status), 'status=');
  const r = await range(page);
  assert.equal(r.total, both.length, `${COURSE} + ${status}: the total is the sandbox's count`);
  const rows = await tableRows(page);
  assert.deepEqual(rows.map((x) => x.id).sort(), both.map((s) => s.id).sort(), 'exactly the students with that course and status');
  for (const row of rows) assert.deepEqual([row.Course, row.Status], [COURSE, status]);
  await shot('course-and-status');

  // Back to one filter, paging through all of it at 10 a page: every row, once, each of the course.
  await change(page, () => statusFilter(page).selectOption(''), 'course=');
  await change(page, () => page.getByLabel('Per page').selectOption('10'), 'perPage=10');
  assert.equal((await range(page)).text, `1–${Math.min(10, inCourse.length)} of ${inCourse.length} students`);
  const all = await pageThrough(page);
  assert.deepEqual(all.map((x) => x.id).sort(), inCourse.map((s) => s.id).sort(), 'paging through the filter lists each student once');
  const lastPage = await range(page);
  assert.equal(lastPage.last, inCourse.length, 'the last page ends at the total');
  assert.match(await page.locator('#page-label').textContent(), new RegExp(`^Page (\\d+) of \\1$`), 'the pager names the last page');

  // A status nobody in the course has (if there is one): the empty state names the filters.
  const unused = optionsOf('leadStatus').find((v) => !inCourse.some((s) => s.leadStatus === v));
  if (unused) {
    await change(page, () => statusFilter(page).selectOption(unused), 'status=');
    await page.locator('#empty-state', { hasText: 'No students match these filters' }).waitFor();
    assert.match(await page.locator('#list-status').textContent(), /^0 students\.$/);
  }
  assert.deepEqual(pageErrors, []);
});

it('the whole list and search results sort by last name or course in both directions', async (_t, { page, pageErrors, shot }) => {
  await openPortal(page);
  await signIn(page, ADMIN);
  // The whole list: its first page is the first 25 of everyone in that order, as Zoho compares (no case).
  const everyone = await everyStudent(page);
  const lower = (v) => (v || '').toLowerCase();
  const byId = new Map(everyone.map((s) => [s.id, s]));
  const firstPage = async (key) => (await tableRows(page)).map((row) => lower(byId.get(row.id)[key]));
  const expected = (values, dir) => {
    const sorted = values.map(lower).sort(); // no course (null) sorts first, as in the sandbox
    return (dir === 'asc' ? sorted : sorted.reverse()).slice(0, 25);
  };
  for (const [option, key, dir] of [['LAST_NAME:ASC', 'lastName', 'asc'], ['LAST_NAME:DESC', 'lastName', 'desc'], ['COURSE:DESC', 'course', 'desc']]) {
    await change(page, () => sortSelect(page).selectOption(option), `sort=${key}&dir=${dir}`);
    assert.deepEqual(await firstPage(key), expected(everyone.map((s) => s[key]), dir), `the whole list by ${option}`);
    assert.equal((await range(page)).total, everyone.length, 'sorting keeps the total');
  }
  await change(page, () => sortSelect(page).selectOption('MODIFIED_TIME:DESC'), '');
  // Four students sharing a unique college word, last names in neither order, one not in the course.
  const word = `Sortcol${unique()}`;
  const lastNames = ['Zeta', 'alpha', 'Mu', 'Beta'];
  const ids = [];
  for (const [i, lastName] of [...lastNames, 'Omega'].entries()) {
    const made = await gqlInPage(page, 'mutation($input: LeadInput!) { createLead(input: $input) { id } }',
      { input: { firstName: `S${i}`, lastName, company: `${word} College`, course: lastName === 'Omega' ? 'React in Depth' : COURSE } });
    assert.ok(made.data?.createLead?.id, JSON.stringify(made));
    ids.push(made.data.createLead.id);
  }
  try {
    await search(page, word);
    assert.equal((await tableRows(page)).length, 5, 'the word finds all five');
    assert.equal(await sortSelect(page).isEnabled(), true, 'search results can be sorted');
    await change(page, () => courseFilter(page).selectOption(COURSE), 'course=');
    assert.equal((await range(page)).text, `Search for “${word}”: 1–4 of 4 students`);

    const lastNamesShown = async () => (await tableRows(page)).map((row) => row.Name.split(' ').slice(1).join(' '));
    await change(page, () => sortSelect(page).selectOption('LAST_NAME:ASC'), 'sort=lastName&dir=asc');
    assert.deepEqual(await lastNamesShown(), ['alpha', 'Beta', 'Mu', 'Zeta'], 'A–Z, regardless of case');
    assert.equal(await page.locator('#name-header').getAttribute('aria-sort'), 'ascending');
    await shot('search-sorted');
    await change(page, () => sortSelect(page).selectOption('LAST_NAME:DESC'), 'sort=lastName&dir=desc');
    assert.deepEqual(await lastNamesShown(), ['Zeta', 'Mu', 'Beta', 'alpha'], 'Z–A');
    assert.equal(await page.locator('#name-header').getAttribute('aria-sort'), 'descending');
    assert.equal(await page.locator('#modified-header').getAttribute('aria-sort'), 'none');
    assert.equal(await page.getByLabel('Search students').inputValue(), word, 'the search stays');

    // A bigger search of the seed data: sorted by last name over the whole first page, as Zoho compares (no case).
    await search(page, 'college');
    const seed = (await tableRows(page)).map((row) => row.Name.split(' ').slice(1).join(' ').toLowerCase());
    assert.ok(seed.length > 1, 'the search finds several students');
    assert.deepEqual(seed, [...seed].sort().reverse(), 'a new search keeps the sort: Z–A');
  } finally {
    for (const id of ids) await gqlInPage(page, 'mutation($id: ID!) { deleteLead(id: $id) }', { id });
  }
  assert.deepEqual(pageErrors, []);
});

it('the URL keeps page, filters, sort and search: reload restores them, Back and Forward step through them', async (_t, { page, pageErrors, shot }) => {
  await openPortal(page);
  await signIn(page, ADMIN);
  await settled(page);
  assert.equal(new URL(page.url()).search, '', 'the default list needs no parameters');
  const ids = async () => (await tableRows(page)).map((r) => r.id);
  const steps = []; // [query string, ids shown]
  const remember = async () => steps.push([new URL(page.url()).search, await ids()]);
  await remember();

  await change(page, () => courseFilter(page).selectOption(COURSE), 'course=');
  await remember();
  await change(page, () => sortSelect(page).selectOption('LAST_NAME:ASC'), 'sort=');
  await remember();
  await change(page, () => page.getByLabel('Per page').selectOption('10'), 'perPage=10');
  await change(page, () => page.getByRole('button', { name: 'Next' }).click(), 'page=2');
  await remember();
  assert.equal(steps.at(-1)[0], '?course=Web+Design&sort=lastName&dir=asc&page=2&perPage=10');
  await search(page, 'college');
  await remember();
  assert.equal(steps.at(-1)[0], '?q=college&course=Web+Design&sort=lastName&dir=asc&perPage=10', 'a search starts on page 1');
  const searched = await range(page);

  // Reload: the same list, the same controls, the same rows.
  await page.reload();
  await page.locator('#user-name', { hasText: ADMIN }).waitFor();
  await settled(page);
  assert.equal(new URL(page.url()).search, steps.at(-1)[0], 'the URL is kept');
  assert.deepEqual(await ids(), steps.at(-1)[1], 'the same students');
  assert.equal(await page.getByLabel('Search students').inputValue(), 'college');
  assert.equal(await courseFilter(page).inputValue(), COURSE);
  assert.equal(await sortSelect(page).inputValue(), 'LAST_NAME:ASC');
  assert.equal(await page.getByLabel('Per page').inputValue(), '10');
  assert.deepEqual(await range(page), searched);
  assert.equal(await page.getByRole('button', { name: 'Clear search' }).isVisible(), true);
  await shot('reloaded');

  // Back, Back, Back, then Forward: each step shows what it showed.
  const expectStep = async (i, label) => {
    await page.waitForFunction((q) => location.search === q, steps[i][0]);
    await settled(page);
    assert.deepEqual(await ids(), steps[i][1], `${label}: the same students as before`);
  };
  await page.goBack();
  await expectStep(3, 'Back to page 2');
  assert.equal(await page.getByLabel('Search students').inputValue(), '', 'the search box follows');
  assert.equal(await page.getByRole('button', { name: 'Clear search' }).isVisible(), false);
  assert.match(await page.locator('#page-label').textContent(), /^Page 2 of \d+$/);
  await page.goBack(); // the first page at 10 a page
  await page.goBack();
  await expectStep(2, 'Back to the sorted list');
  assert.equal(await sortSelect(page).inputValue(), 'LAST_NAME:ASC');
  assert.equal(await page.getByLabel('Per page').inputValue(), '25');
  await page.goBack();
  await expectStep(1, 'Back to the course filter');
  assert.equal(await sortSelect(page).inputValue(), 'MODIFIED_TIME:DESC');
  assert.equal(await courseFilter(page).inputValue(), COURSE);
  await page.goBack();
  await expectStep(0, 'Back to the whole list');
  assert.equal(await courseFilter(page).inputValue(), '');
  await page.goForward();
  await expectStep(1, 'Forward to the course filter');

  // Signing out forgets the list: the next user starts from the whole list.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.locator('#signin-status', { hasText: 'You are signed out.' }).waitFor();
  assert.equal(new URL(page.url()).search, '');
  assert.deepEqual(pageErrors, []);
});

it('a link to a filtered, sorted page opens it after sign-in, and a one-letter search in it is explained', async (_t, { page, pageErrors }) => {
  await openPortal(page, '/?status=Contacted&sort=course&dir=desc&page=2&perPage=10');
  await signIn(page, ADMIN);
  await settled(page);
  assert.equal(new URL(page.url()).search, '?status=Contacted&sort=course&dir=desc&page=2&perPage=10', 'the link survived sign-in');
  assert.equal(await statusFilter(page).inputValue(), 'Contacted');
  assert.equal(await sortSelect(page).inputValue(), 'COURSE:DESC');
  assert.equal(await page.locator('#course-header').getAttribute('aria-sort'), 'descending');
  const rows = await tableRows(page);
  assert.ok(rows.length > 0 && rows.every((r) => r.Status === 'Contacted'), 'only Contacted students');
  const courses = rows.map((r) => r.Course.toLowerCase());
  assert.deepEqual(courses, [...courses].sort().reverse(), 'by course, Z–A');
  assert.equal((await range(page)).first, 11, 'page 2 of 10 a page starts at the 11th');

  // A link whose search cannot run: the list without it, and the search box says why.
  await openPortal(page, '/?q=a&course=Web+Design');
  await settled(page);
  assert.match(await page.locator('#search-hint').textContent(), /at least 2 characters/);
  assert.equal(await page.getByLabel('Search students').inputValue(), 'a', 'what the link searched for stays to be fixed');
  assert.equal(new URL(page.url()).search, '?course=Web+Design', 'the URL names what is shown');
  assert.ok((await tableRows(page)).every((r) => r.Course === COURSE));
  assert.deepEqual(pageErrors, []);
});

it('on a phone a standard user filters their own students, without sideways scrolling', async (_t, { page, pageErrors, shot }) => {
  await openPortal(page);
  await signIn(page, COORDINATOR);
  const mine = await everyStudent(page);
  assert.deepEqual([...new Set(mine.map((s) => s.owner.name))], [COORDINATOR], 'the coordinator sees only their own');
  await settled(page);
  assert.equal((await range(page)).total, mine.length, 'the total counts only what the coordinator may see');
  await shot('controls');
  const status = mostCommon(mine, 'leadStatus');
  await change(page, () => statusFilter(page).selectOption(status), 'status=');
  assert.equal((await range(page)).total, mine.filter((s) => s.leadStatus === status).length);
  const layout = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    selects: [...document.querySelectorAll('.toolbar-selects select')].map((s) => {
      const box = s.getBoundingClientRect();
      return { left: box.left, right: box.right, height: box.height };
    }),
  }));
  assert.ok(layout.scrollWidth <= PHONE.width, `no horizontal scroll (scrollWidth ${layout.scrollWidth})`);
  for (const box of layout.selects) {
    assert.ok(box.left >= 0 && box.right <= PHONE.width, 'every select is on screen');
    assert.ok(box.height >= 44, `and big enough to tap (${box.height} px)`);
  }
  await shot('filtered');
  assert.deepEqual(pageErrors, []);
}, { viewport: PHONE });

it('after a failed reload, the per-page choice, the URL and Try again name one list; no claim about unsaved changes', async (_t, { page, pageErrors, shot }) => {
  await openPortal(page, '/?perPage=50');
  await signIn(page, ADMIN);
  await settled(page);
  // Zoho is down for the student list, as the page is reloaded.
  const isStudents = (request) => (request.postData() || '').includes('query Students');
  await page.route('**/graphql', (route) => (isStudents(route.request())
    ? route.fulfill({ json: { errors: [{ message: 'unavailable', extensions: { code: 'UPSTREAM_UNAVAILABLE' } }] } })
    : route.continue()));
  const failedLoad = () => page.waitForResponse((r) => r.url().endsWith('/graphql') && isStudents(r.request()));
  let failed = failedLoad();
  await page.reload();
  await failed;
  const banner = page.locator('#banner[data-code="UPSTREAM_UNAVAILABLE"]');
  await banner.waitFor();
  assert.equal(await page.getByLabel('Per page').inputValue(), '50');
  assert.doesNotMatch(await banner.textContent(), /not lost/, 'nothing was being saved');

  // Another page size, while nothing is on screen, fails too: the select, the URL and Try again agree.
  failed = failedLoad();
  await page.getByLabel('Per page').selectOption('10');
  await failed;
  await page.waitForFunction(() => document.getElementById('table-wrap').getAttribute('aria-busy') === 'false');
  assert.equal(await page.getByLabel('Per page').inputValue(), '10');
  assert.equal(new URL(page.url()).searchParams.get('perPage'), '10', 'the URL names the list the select names');
  await shot('failed');

  await page.unroute('**/graphql');
  await banner.getByRole('button', { name: 'Try again' }).click();
  await settled(page);
  assert.equal((await tableRows(page)).length, 10, 'Try again loads the list the select names');
  assert.equal(await page.getByLabel('Per page').inputValue(), '10');
  assert.equal(new URL(page.url()).searchParams.get('perPage'), '10');
  assert.deepEqual(pageErrors, []);
});
