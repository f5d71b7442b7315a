// Recipe: plain `fetch` with the generated typed documents: a ten-line typed helper instead of a client library.
// Signs in as a sandbox demo user, lists leads with where/orderBy/totalCount, creates and deletes a lead,
// reads BAD_USER_INPUT errors with their field, signs out. Exits non-zero on the first failed check.
//   ZGW_GATEWAY_URL=http://127.0.0.1:8085 npx tsx recipes/fetch.ts      (clients/run.sh runs it)
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { getOperationAST, print, type GraphQLFormattedError } from 'graphql';
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
const http = jar.fetch; // in a browser: the global fetch

// ---- client setup (quoted in the README) ---------------------------------------------------------------
async function graphql<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables) {
  const response = await http(`${GATEWAY}/graphql`, { // in the browser, served by the gateway: '/graphql'
    method: 'POST', // a GET would need the apollo-require-preflight header (CSRF rule)
    credentials: 'include', // send the zgw_session cookie
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query: print(document), variables, operationName: getOperationAST(document)?.name?.value }),
  });
  return (await response.json()) as { data?: Result | null; errors?: GraphQLFormattedError[] };
}
// ---- end of client setup -------------------------------------------------------------------------------

await runRecipe('fetch', async (t) => {
  // Sign in: login → the consent page (a popup in a browser) → initialize, with the zgw_login cookie.
  const login = await graphql(LoginDocument, { redirectUrl: REDIRECT_URL });
  t.ok(login.data?.login.url.startsWith('http'), 'login answers Zoho\'s authorization URL', login);
  t.ok(jar.get('zgw_login'), 'login sets the zgw_login cookie');
  const consent = await approveConsent(login.data!.login.url);
  const init = await graphql(InitializeDocument, { ...consent, redirectUrl: REDIRECT_URL });
  const session = init.data?.initialize;
  t.ok(session?.user.id && !init.errors, 'initialize signs the user in', init);
  t.ok(jar.get('zgw_session'), 'initialize sets the zgw_session cookie');
  const me = await graphql(MeDocument, {});
  t.equal(me.data?.me?.user.id, session!.user.id, 'me answers the signed-in user');

  // The course picklist, from the org's metadata (what the portal's form offers).
  const meta = await graphql(StudentModuleDocument, {});
  const courses = meta.data?.crmModule?.fields.find((f) => f.graphqlName === 'course')?.options.map((o) => o.value) ?? [];
  const course = courses.find((c) => c !== '-None-');
  t.ok(course, 'crmModule(apiName: "Leads") lists the Course picklist', meta.errors ?? courses);

  // A typed list: where + orderBy + pageInfo.totalCount (a COQL query in the gateway).
  const page = await graphql(StudentsDocument, {
    page: 1, perPage: 10, sortBy: 'MODIFIED_TIME', sortOrder: 'DESC',
    where: { course: { eq: course } },
    orderBy: [{ field: 'LAST_NAME', direction: 'ASC' }, { field: 'FIRST_NAME' }],
  });
  t.ok(!page.errors && page.data, 'leads(where:, orderBy:) answers without errors', page.errors);
  const leads = page.data!.leads;
  t.ok(leads.nodes.length > 0, `leads(where: { course: { eq: "${course}" } }) finds leads`);
  t.ok(leads.nodes.every((n) => n.course === course), 'every lead listed has that course', leads.nodes.map((n) => n.course));
  const names = leads.nodes.map((n) => (n.lastName ?? '').toLowerCase());
  t.ok(names.every((n, i) => i === 0 || names[i - 1] <= n) && new Set(names).size > 1, 'the leads come ordered by last name', names);
  t.equal(leads.pageInfo.count, leads.nodes.length, 'pageInfo.count is the page\'s length');
  t.ok(typeof leads.pageInfo.totalCount === 'number' && leads.pageInfo.totalCount >= leads.nodes.length, 'pageInfo.totalCount counts them all', leads.pageInfo);
  t.equal(leads.pageInfo.hasMore, leads.pageInfo.totalCount! > 10, 'pageInfo.hasMore agrees with totalCount');

  // A mutation: create a lead, find it by a filter, delete it, and see it gone.
  const lastName = uniqueLastName('fetch');
  const created = await graphql(CreateStudentDocument, {
    input: { firstName: 'Asha', lastName, email: `${lastName.toLowerCase()}@students.example`, course },
  });
  const lead = created.data?.createLead;
  t.ok(lead?.id && lead.lastName === lastName && lead.course === course, 'createLead answers the new lead', created);
  const found = await graphql(StudentsDocument, {
    page: 1, perPage: 5, sortBy: 'MODIFIED_TIME', sortOrder: 'DESC', where: { lastName: { eq: lastName } },
  });
  t.ok(found.data?.leads.pageInfo.totalCount === 1 && found.data.leads.nodes[0]?.id === lead!.id, 'the new lead is listed, once', found);
  const deleted = await graphql(DeleteStudentDocument, { id: lead!.id });
  t.equal(deleted.data?.deleteLead, lead!.id, 'deleteLead answers the deleted id');
  const gone = await graphql(StudentDocument, { id: lead!.id });
  t.ok(!gone.errors && gone.data?.lead === null, 'the deleted lead reads as null', gone);

  // Errors: one BAD_USER_INPUT per bad field, each naming it in extensions.field; data is null.
  const bad = await graphql(CreateStudentDocument, { input: { firstName: 'No', email: 'a@b.c' } });
  t.equal(bad.data ?? null, null, 'a refused createLead answers no data');
  t.hasError(bad.errors, 'BAD_USER_INPUT', 'lastName', 'createLead without a last name');
  t.hasError(bad.errors, 'BAD_USER_INPUT', 'email', 'createLead with the email a@b.c');
  const badWhere = await graphql(StudentsDocument, {
    page: 1, perPage: 5, sortBy: 'MODIFIED_TIME', sortOrder: 'DESC', where: { lastName: { contains: '50%' } },
  });
  t.hasError(badWhere.errors, 'BAD_USER_INPUT', 'where.lastName.contains', 'a % inside contains');

  // Sign out: the session ends at the gateway, not only in the cookie jar: sent again, the old cookie is
  // refused (me is null, a list is UNAUTHENTICATED).
  const oldSession = jar.get('zgw_session')!;
  const logout = await graphql(LogoutDocument, {});
  t.equal(logout.data?.logout, true, 'logout answers true');
  t.ok(!jar.get('zgw_session'), 'logout clears the zgw_session cookie');
  jar.cookies.set('zgw_session', oldSession);
  const after = await graphql(MeDocument, {});
  t.ok(!after.errors && after.data?.me === null, 'me is null with the old session cookie', after);
  const denied = await graphql(StudentsDocument, { page: 1, perPage: 1, sortBy: 'MODIFIED_TIME', sortOrder: 'DESC' });
  t.hasError(denied.errors, 'UNAUTHENTICATED', undefined, 'leads with the old session cookie');
});
