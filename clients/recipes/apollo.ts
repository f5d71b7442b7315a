// Recipe: Apollo Client (@apollo/client core, no React) with the generated typed documents.
// Signs in as a sandbox demo user, lists leads with where/orderBy/totalCount, creates and deletes a lead,
// reads BAD_USER_INPUT errors with their field, signs out. Exits non-zero on the first failed check.
//   ZGW_GATEWAY_URL=http://127.0.0.1:8085 npx tsx recipes/apollo.ts      (clients/run.sh runs it)
import { ApolloClient, CombinedGraphQLErrors, HttpLink, InMemoryCache } from '@apollo/client';
import type { ErrorLike } from './lib/sandbox';
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
const client = new ApolloClient({
  link: new HttpLink({
    uri: `${GATEWAY}/graphql`, // in the browser, served by the gateway: '/graphql'
    credentials: 'include', // send the zgw_session cookie ('same-origin' when served by the gateway)
    fetch: jar.fetch, // Node only; leave out in a browser
  }),
  cache: new InMemoryCache(),
});
// Nothing else: Apollo Client POSTs application/json, which passes the gateway's CSRF rule.
// ---- end of client setup -------------------------------------------------------------------------------

/** The GraphQL errors of a rejected Apollo operation (errorPolicy 'none' throws CombinedGraphQLErrors). */
async function graphQLErrors(operation: Promise<unknown>): Promise<readonly ErrorLike[]> {
  try {
    await operation;
  } catch (error) {
    if (CombinedGraphQLErrors.is(error)) return error.errors;
    throw error;
  }
  return [];
}

await runRecipe('apollo', async (t) => {
  // Sign in: login → the consent page (a popup in a browser) → initialize, with the zgw_login cookie.
  const login = await client.mutate({ mutation: LoginDocument, variables: { redirectUrl: REDIRECT_URL } });
  t.ok(login.data?.login.url.startsWith('http'), 'login answers Zoho\'s authorization URL', login.data);
  t.ok(jar.get('zgw_login'), 'login sets the zgw_login cookie');
  const consent = await approveConsent(login.data!.login.url);
  const init = await client.mutate({ mutation: InitializeDocument, variables: { ...consent, redirectUrl: REDIRECT_URL } });
  const session = init.data?.initialize;
  t.ok(session?.user.id, 'initialize signs the user in', init.data);
  t.ok(jar.get('zgw_session'), 'initialize sets the zgw_session cookie');
  const me = await client.query({ query: MeDocument, fetchPolicy: 'network-only' });
  t.equal(me.data?.me?.user.id, session!.user.id, 'me answers the signed-in user');

  // The course picklist, from the org's metadata (what the portal's form offers).
  const meta = await client.query({ query: StudentModuleDocument });
  const courses = meta.data?.crmModule?.fields.find((f) => f.graphqlName === 'course')?.options?.map((o) => o.value) ?? [];
  const course = courses.find((c) => c !== '-None-');
  t.ok(course, 'crmModule(apiName: "Leads") lists the Course picklist', courses);

  // A typed list: where + orderBy + pageInfo.totalCount (a COQL query in the gateway).
  const page = await client.query({
    query: StudentsDocument,
    variables: {
      page: 1, perPage: 10, sortBy: 'MODIFIED_TIME', sortOrder: 'DESC',
      where: { course: { eq: course } },
      orderBy: [{ field: 'LAST_NAME', direction: 'ASC' }, { field: 'FIRST_NAME' }],
    },
    fetchPolicy: 'network-only',
  });
  const leads = page.data!.leads;
  t.ok(leads.nodes.length > 0, `leads(where: { course: { eq: "${course}" } }) finds leads`);
  t.ok(leads.nodes.every((n) => n.course === course), 'every lead listed has that course', leads.nodes.map((n) => n.course));
  const names = leads.nodes.map((n) => (n.lastName ?? '').toLowerCase());
  t.ok(names.every((n, i) => i === 0 || names[i - 1] <= n) && new Set(names).size > 1, 'the leads come ordered by last name', names);
  t.equal(leads.pageInfo.count, leads.nodes.length, 'pageInfo.count is the page\'s length');
  t.ok(typeof leads.pageInfo.totalCount === 'number' && leads.pageInfo.totalCount >= leads.nodes.length, 'pageInfo.totalCount counts them all', leads.pageInfo);
  t.equal(leads.pageInfo.hasMore, leads.pageInfo.totalCount! > 10, 'pageInfo.hasMore agrees with totalCount');

  // A mutation: create a lead, find it by a filter, delete it, and see it gone.
  const lastName = uniqueLastName('apollo');
  const created = await client.mutate({
    mutation: CreateStudentDocument,
    variables: { input: { firstName: 'Asha', lastName, email: `${lastName.toLowerCase()}@students.example`, course } },
  });
  const lead = created.data?.createLead;
  t.ok(lead?.id && lead.lastName === lastName && lead.course === course, 'createLead answers the new lead', lead);
  const found = await client.query({
    query: StudentsDocument,
    variables: { page: 1, perPage: 5, sortBy: 'MODIFIED_TIME', sortOrder: 'DESC', where: { lastName: { eq: lastName } } },
    fetchPolicy: 'network-only',
  });
  t.ok(found.data?.leads.pageInfo.totalCount === 1 && found.data.leads.nodes[0]?.id === lead!.id, 'the new lead is listed, once', found.data?.leads);
  const deleted = await client.mutate({ mutation: DeleteStudentDocument, variables: { id: lead!.id } });
  t.equal(deleted.data?.deleteLead, lead!.id, 'deleteLead answers the deleted id');
  const gone = await client.query({ query: StudentDocument, variables: { id: lead!.id }, fetchPolicy: 'network-only' });
  t.equal(gone.data?.lead, null, 'the deleted lead reads as null');

  // Errors: one BAD_USER_INPUT per bad field, each naming it in extensions.field.
  const bad = await graphQLErrors(client.mutate({ mutation: CreateStudentDocument, variables: { input: { firstName: 'No', email: 'a@b.c' } } }));
  t.hasError(bad, 'BAD_USER_INPUT', 'lastName', 'createLead without a last name');
  t.hasError(bad, 'BAD_USER_INPUT', 'email', 'createLead with the email a@b.c');
  const badWhere = await graphQLErrors(client.query({
    query: StudentsDocument,
    variables: { page: 1, perPage: 5, sortBy: 'MODIFIED_TIME', sortOrder: 'DESC', where: { lastName: { contains: '50%' } } },
    fetchPolicy: 'network-only',
  }));
  t.hasError(badWhere, 'BAD_USER_INPUT', 'where.lastName.contains', 'a % inside contains');

  // Every request went as a POST with the session cookie.
  t.ok(jar.requests.every((r) => r.method === 'POST'), 'Apollo Client sent every operation as a POST', jar.requests.map((r) => r.method));

  // Sign out: the session ends at the gateway, not only in the cookie jar: sent again, the old cookie is
  // refused (me is null, a list is UNAUTHENTICATED).
  const oldSession = jar.get('zgw_session')!;
  const logout = await client.mutate({ mutation: LogoutDocument });
  t.equal(logout.data?.logout, true, 'logout answers true');
  t.ok(!jar.get('zgw_session'), 'logout clears the zgw_session cookie');
  jar.cookies.set('zgw_session', oldSession);
  await client.clearStore();
  const after = await client.query({ query: MeDocument, fetchPolicy: 'network-only' });
  t.equal(after.data?.me, null, 'me is null with the old session cookie');
  const denied = await graphQLErrors(client.query({
    query: StudentsDocument, variables: { page: 1, perPage: 1, sortBy: 'MODIFIED_TIME', sortOrder: 'DESC' }, fetchPolicy: 'network-only',
  }));
  t.hasError(denied, 'UNAUTHENTICATED', undefined, 'leads with the old session cookie');
});
