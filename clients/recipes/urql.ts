// Recipe: urql (@urql/core) with the generated typed documents.
// urql sends short queries as GET by default (preferGetMethod: 'within-url-limit'), and the gateway refuses a
// GET without a preflight-forcing header (400 CSRF_ERROR). Two ways out, both checked here: keep urql on POST
// (preferGetMethod: false, the recommended one), or send `apollo-require-preflight` with every request.
// Signs in as a sandbox demo user, lists leads with where/orderBy/totalCount, creates and deletes a lead,
// reads BAD_USER_INPUT errors with their field, signs out. Exits non-zero on the first failed check.
//   ZGW_GATEWAY_URL=http://127.0.0.1:8085 npx tsx recipes/urql.ts      (clients/run.sh runs it)
import { cacheExchange, Client, fetchExchange } from '@urql/core';
import { approveConsent, CookieJar, GATEWAY, REDIRECT_URL, runRecipe, uniqueLastName } from './lib/sandbox';
import {
  CreateStudentDocument,
  DeleteStudentDocument,
  InitializeDocument,
  LoginDocument,
  LogoutDocument,
  MeDocument,
  StudentDocument,
  StudentModuleDocument,
  StudentsDocument,
} from '../src/gql/graphql';

const jar = new CookieJar(); // Node only: a browser keeps the session cookie itself.

// ---- client setup (quoted in the README) ---------------------------------------------------------------
const client = new Client({
  url: `${GATEWAY}/graphql`, // in the browser, served by the gateway: '/graphql'
  exchanges: [cacheExchange, fetchExchange],
  preferGetMethod: false, // POST every operation: a GET without a preflight header is refused (CSRF_ERROR)
  fetchOptions: { credentials: 'include' }, // send the zgw_session cookie
  fetch: jar.fetch, // Node only; leave out in a browser
});

// Or keep urql's GETs for queries and send the header that forces a CORS preflight:
const getClient = new Client({
  url: `${GATEWAY}/graphql`,
  exchanges: [cacheExchange, fetchExchange],
  fetchOptions: { credentials: 'include', headers: { 'apollo-require-preflight': 'true' } },
  fetch: jar.fetch, // Node only
});
// ---- end of client setup -------------------------------------------------------------------------------

// urql's defaults, for contrast: queries go as GET without the header.
const defaultClient = new Client({
  url: `${GATEWAY}/graphql`,
  exchanges: [cacheExchange, fetchExchange],
  fetchOptions: { credentials: 'include' },
  fetch: jar.fetch,
});

const fresh = { requestPolicy: 'network-only' } as const;

await runRecipe('urql', async (t) => {
  // Sign in: login → the consent page (a popup in a browser) → initialize, with the zgw_login cookie.
  const login = await client.mutation(LoginDocument, { redirectUrl: REDIRECT_URL }).toPromise();
  t.ok(login.data?.login.url.startsWith('http'), 'login answers Zoho\'s authorization URL', login.error?.message ?? login.data);
  t.ok(jar.get('zgw_login'), 'login sets the zgw_login cookie');
  const consent = await approveConsent(login.data!.login.url);
  const init = await client.mutation(InitializeDocument, { ...consent, redirectUrl: REDIRECT_URL }).toPromise();
  const session = init.data?.initialize;
  t.ok(session?.user.id, 'initialize signs the user in', init.error?.message ?? init.data);
  t.ok(jar.get('zgw_session'), 'initialize sets the zgw_session cookie');
  const me = await client.query(MeDocument, {}, fresh).toPromise();
  t.equal(me.data?.me?.user.id, session!.user.id, 'me answers the signed-in user');

  // The course picklist, from the org's metadata (what the portal's form offers).
  const meta = await client.query(StudentModuleDocument, {}).toPromise();
  const courses = meta.data?.crmModule?.fields.find((f) => f.graphqlName === 'course')?.options.map((o) => o.value) ?? [];
  const course = courses.find((c) => c !== '-None-');
  t.ok(course, 'crmModule(apiName: "Leads") lists the Course picklist', meta.error?.message ?? courses);

  // A typed list: where + orderBy + pageInfo.totalCount (a COQL query in the gateway).
  const page = await client.query(StudentsDocument, {
    page: 1, perPage: 10, sortBy: 'MODIFIED_TIME', sortOrder: 'DESC',
    where: { course: { eq: course } },
    orderBy: [{ field: 'LAST_NAME', direction: 'ASC' }, { field: 'FIRST_NAME' }],
  }, fresh).toPromise();
  t.ok(!page.error && page.data, 'leads(where:, orderBy:) answers without errors', page.error?.message);
  const leads = page.data!.leads;
  t.ok(leads.nodes.length > 0, `leads(where: { course: { eq: "${course}" } }) finds leads`);
  t.ok(leads.nodes.every((n) => n.course === course), 'every lead listed has that course', leads.nodes.map((n) => n.course));
  const names = leads.nodes.map((n) => (n.lastName ?? '').toLowerCase());
  t.ok(names.every((n, i) => i === 0 || names[i - 1] <= n) && new Set(names).size > 1, 'the leads come ordered by last name', names);
  t.equal(leads.pageInfo.count, leads.nodes.length, 'pageInfo.count is the page\'s length');
  t.ok(typeof leads.pageInfo.totalCount === 'number' && leads.pageInfo.totalCount >= leads.nodes.length, 'pageInfo.totalCount counts them all', leads.pageInfo);
  t.equal(leads.pageInfo.hasMore, leads.pageInfo.totalCount! > 10, 'pageInfo.hasMore agrees with totalCount');

  // A mutation: create a lead, find it by a filter, delete it, and see it gone.
  const lastName = uniqueLastName('urql');
  const created = await client.mutation(CreateStudentDocument, {
    input: { firstName: 'Asha', lastName, email: `${lastName.toLowerCase()}@students.example`, course },
  }).toPromise();
  const lead = created.data?.createLead;
  t.ok(lead?.id && lead.lastName === lastName && lead.course === course, 'createLead answers the new lead', created.error?.message ?? lead);
  const found = await client.query(StudentsDocument, {
    page: 1, perPage: 5, sortBy: 'MODIFIED_TIME', sortOrder: 'DESC', where: { lastName: { eq: lastName } },
  }, fresh).toPromise();
  t.ok(found.data?.leads.pageInfo.totalCount === 1 && found.data.leads.nodes[0]?.id === lead!.id, 'the new lead is listed, once', found.error?.message ?? found.data?.leads);
  const deleted = await client.mutation(DeleteStudentDocument, { id: lead!.id }).toPromise();
  t.equal(deleted.data?.deleteLead, lead!.id, 'deleteLead answers the deleted id');
  const gone = await client.query(StudentDocument, { id: lead!.id }, fresh).toPromise();
  t.ok(!gone.error && gone.data?.lead === null, 'the deleted lead reads as null', gone.error?.message ?? gone.data);

  // Errors: one BAD_USER_INPUT per bad field, each naming it in extensions.field.
  const bad = await client.mutation(CreateStudentDocument, { input: { firstName: 'No', email: 'a@b.c' } }).toPromise();
  t.hasError(bad.error?.graphQLErrors, 'BAD_USER_INPUT', 'lastName', 'createLead without a last name');
  t.hasError(bad.error?.graphQLErrors, 'BAD_USER_INPUT', 'email', 'createLead with the email a@b.c');
  const badWhere = await client.query(StudentsDocument, {
    page: 1, perPage: 5, sortBy: 'MODIFIED_TIME', sortOrder: 'DESC', where: { lastName: { contains: '50%' } },
  }, fresh).toPromise();
  t.hasError(badWhere.error?.graphQLErrors, 'BAD_USER_INPUT', 'where.lastName.contains', 'a % inside contains');

  // The client setup above: preferGetMethod: false sent everything as a POST ...
  t.ok(jar.requests.length > 0 && jar.requests.every((r) => r.method === 'POST'), 'with preferGetMethod: false urql sent every operation as a POST', jar.requests.map((r) => r.method));
  // ... the preflight header lets urql's GETs through ...
  const sent = jar.requests.length;
  const viaGet = await getClient.query(MeDocument, {}, fresh).toPromise();
  const getRequest = jar.requests[sent];
  t.ok(getRequest?.method === 'GET' && getRequest.headers.get('apollo-require-preflight') === 'true', 'the other setup sends a query as a GET with apollo-require-preflight', getRequest && { method: getRequest.method });
  t.equal(viaGet.data?.me?.user.id, session!.user.id, 'that GET answers the signed-in user');
  // ... and urql's defaults without the header are refused, which is why either setting is needed.
  const refused = await defaultClient.query(MeDocument, {}, fresh).toPromise();
  t.ok(jar.requests.at(-1)?.method === 'GET' && jar.requests.at(-1)?.status === 400, 'urql\'s defaults send a GET, answered 400', jar.requests.at(-1) && { method: jar.requests.at(-1)!.method, status: jar.requests.at(-1)!.status });
  t.hasError(refused.error?.graphQLErrors, 'CSRF_ERROR', undefined, 'a GET without the preflight header');

  // Sign out: the session ends at the gateway, not only in the cookie jar: sent again, the old cookie is
  // refused (me is null, a list is UNAUTHENTICATED).
  const oldSession = jar.get('zgw_session')!;
  const logout = await client.mutation(LogoutDocument, {}).toPromise();
  t.equal(logout.data?.logout, true, 'logout answers true');
  t.ok(!jar.get('zgw_session'), 'logout clears the zgw_session cookie');
  jar.cookies.set('zgw_session', oldSession);
  const after = await client.query(MeDocument, {}, fresh).toPromise();
  t.ok(!after.error && after.data?.me === null, 'me is null with the old session cookie', after.error?.message ?? after.data);
  const denied = await client.query(StudentsDocument, { page: 1, perPage: 1, sortBy: 'MODIFIED_TIME', sortOrder: 'DESC' }, fresh).toPromise();
  t.hasError(denied.error?.graphQLErrors, 'UNAUTHENTICATED', undefined, 'leads with the old session cookie');
});
