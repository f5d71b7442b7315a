// GraphiQL at /playground in headless Chromium, against a gateway in its default mode (run.sh starts it
// without trusted documents: GraphiQL runs whatever is typed into it, and its docs need introspection).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPortal, scenario, signIn, uniqueWord } from './helpers.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });
const it = (name, fn, options) => scenario(() => browser, name, fn, options);

const ADMIN = 'Priya Sharma';

it('GraphiQL renders on a closed network from the assets built into the gateway, shows the schema docs and runs a query and mutations with the session cookie', async (_t, { page, pageErrors, shot }) => {
  const foreign = [];
  // The gateway and the sandbox's accounts server both listen on loopback; anything else is the
  // internet, which this test cuts off (as on a closed network) and records.
  const local = (url) => !url.protocol.startsWith('http') || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  await page.context().route((url) => !local(url), (route) => {
    foreign.push(route.request().url());
    return route.abort('internetdisconnected');
  });
  await openPortal(page);
  await signIn(page, ADMIN);

  const run = async (query) => {
    await page.goto(`/playground?query=${encodeURIComponent(query)}`);
    await page.locator('.graphiql-container').waitFor();
    const response = page.waitForResponse((r) => r.url().endsWith('/graphql') && !r.request().postData().includes('IntrospectionQuery'));
    await page.getByRole('button', { name: /Execute query/ }).click();
    const body = await (await response).json();
    await page.locator('.result-window').filter({ hasText: /"data"|"errors"/ }).waitFor();
    return body;
  };

  const me = await run('query WhoAmI {\n  me { user { name } org { name } }\n}\n');
  assert.deepEqual(me, { data: { me: { user: { name: ADMIN }, org: { name: 'Zylker Academy' } } } }, 'the cookie went along');
  assert.match(await page.locator('.result-window').textContent(), /Priya Sharma/);

  // The docs come from the introspection query, which the gateway's limits must allow.
  await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
  const docs = page.locator('.graphiql-doc-explorer');
  await docs.getByText('Root Types').waitFor();
  await docs.getByRole('link', { name: 'Query' }).first().click();
  await docs.getByText('searchLeads').first().waitFor();
  await shot('docs');

  const word = uniqueWord();
  const created = await run(`mutation AddFromGraphiQL {\n  createLead(input: { firstName: "Graph", lastName: "${word}", course: "Web Design" }) {\n    id fullName owner { name }\n  }\n}\n`);
  const id = created.data?.createLead?.id;
  assert.ok(id, `createLead answered ${JSON.stringify(created)}`);
  assert.equal(created.data.createLead.owner.name, ADMIN);
  await shot('mutation');
  const deleted = await run(`mutation RemoveFromGraphiQL {\n  deleteLead(id: "${id}")\n}\n`);
  assert.deepEqual(deleted, { data: { deleteLead: id } });
  assert.deepEqual(foreign, [], 'nothing was fetched from outside the gateway');
  assert.deepEqual(pageErrors, []);
});
