// Recipe: trusted documents. The gateway runs with GATEWAY_TRUSTED_DOCUMENTS=clients/src/gql/persisted-documents.json
// (the manifest graphql-codegen's client preset writes) and runs only the operations it lists; a client sends
// the document's id instead of its text: `{"documentId": "sha256:<hash>"}`, the hash the client preset put in
// each generated document's __meta__. Signs in, lists, creates and deletes a lead, reads BAD_USER_INPUT, signs
// out, all by id; checks that the other two ways of naming a listed document work (the bare hash, Apollo's
// extensions.persistedQuery) and that anything not listed is refused (PERSISTED_QUERY_NOT_IN_LIST), introspection
// included. Exits non-zero on the first failed check.
//   ZGW_GATEWAY_URL=http://127.0.0.1:8085 npx tsx recipes/trusted-documents.ts   (clients/run.sh starts that gateway)
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { getOperationAST, print, type GraphQLFormattedError } from 'graphql';
import manifest from '../src/gql/persisted-documents.json' with { type: 'json' };
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

type Answer<Result> = { data?: Result | null; errors?: GraphQLFormattedError[] };

// ---- client setup (quoted in the README) ---------------------------------------------------------------
/** The id graphql-codegen's client preset gave the document (persistedDocuments: true): "sha256:<hex>". */
const documentId = (document: TypedDocumentNode<any, any>) => (document as { __meta__?: { hash?: string } }).__meta__!.hash!;

async function graphql<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables) {
  const response = await http(`${GATEWAY}/graphql`, { // in the browser, served by the gateway: '/graphql'
    method: 'POST',
    credentials: 'include', // send the zgw_session cookie
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ documentId: documentId(document), variables, operationName: getOperationAST(document)?.name?.value }),
  });
  return (await response.json()) as Answer<Result>;
}
// ---- end of client setup -------------------------------------------------------------------------------

/** A request body sent as it is (for the checks of other forms and of refusals). */
async function raw(body: object): Promise<{ status: number; answer: Answer<any> }> {
  const response = await http(`${GATEWAY}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, answer: (await response.json()) as Answer<any> };
}

await runRecipe('trusted-documents', async (t) => {
  t.ok(/^sha256:[0-9a-f]{64}$/.test(documentId(MeDocument)), 'the generated documents carry "sha256:<hash>" ids', documentId(MeDocument));

  // Not listed: an ad-hoc query, and introspection, are refused before anything runs.
  const adHoc = await raw({ query: '{ me { user { id } } }' });
  t.hasError(adHoc.answer.errors, 'PERSISTED_QUERY_NOT_IN_LIST', undefined, 'a query that is not in the manifest');
  const introspection = await raw({ query: '{ __schema { queryType { name } } }' });
  t.hasError(introspection.answer.errors, 'PERSISTED_QUERY_NOT_IN_LIST', undefined, 'introspection (off in this mode)');
  const unknown = await raw({ documentId: `sha256:${'0'.repeat(64)}` });
  t.hasError(unknown.answer.errors, 'PERSISTED_QUERY_NOT_IN_LIST', undefined, 'an id that is not in the manifest');

  // Sign in by id: login → the consent page (a popup in a browser) → initialize, with the zgw_login cookie.
  const login = await graphql(LoginDocument, { redirectUrl: REDIRECT_URL });
  t.ok(login.data?.login.url.startsWith('http'), 'login (by id) answers Zoho\'s authorization URL', login);
  const consent = await approveConsent(login.data!.login.url);
  const init = await graphql(InitializeDocument, { ...consent, redirectUrl: REDIRECT_URL });
  const session = init.data?.initialize;
  t.ok(session?.user.id && jar.get('zgw_session'), 'initialize (by id) signs the user in and sets zgw_session', init);
  const me = await graphql(MeDocument, {});
  t.equal(me.data?.me?.user.id, session!.user.id, 'me (by id) answers the signed-in user');

  // The other ways to name a listed document: the bare hash, and Apollo's persisted-query extension.
  const hex = documentId(MeDocument).slice('sha256:'.length);
  const bare = await raw({ documentId: hex });
  t.equal(bare.answer.data?.me?.user.id, session!.user.id, 'documentId without "sha256:" runs the same document');
  const apq = await raw({ extensions: { persistedQuery: { version: 1, sha256Hash: hex } } });
  t.equal(apq.answer.data?.me?.user.id, session!.user.id, 'extensions.persistedQuery.sha256Hash runs the same document');
  // The text runs only as the manifest has it, to the byte: the same operation printed otherwise is refused,
  // which is why a client sends the id (Apollo Client and urql print documents their own way).
  const listedText = (manifest as Record<string, string>)[documentId(MeDocument)];
  const asListed = await raw({ query: listedText });
  t.equal(asListed.answer.data?.me?.user.id, session!.user.id, 'the manifest\'s exact text runs');
  const printed = await raw({ query: print(MeDocument) });
  t.ok(listedText !== print(MeDocument), 'graphql-js prints the document otherwise than the manifest');
  t.hasError(printed.answer.errors, 'PERSISTED_QUERY_NOT_IN_LIST', undefined, 'the same operation printed by graphql-js');

  // A typed list by id: where + orderBy + pageInfo.totalCount.
  const meta = await graphql(StudentModuleDocument, {});
  const course = meta.data?.crmModule?.fields.find((f) => f.graphqlName === 'course')?.options.map((o) => o.value).find((c) => c !== '-None-');
  t.ok(course, 'crmModule (by id) lists the Course picklist', meta);
  const page = await graphql(StudentsDocument, {
    page: 1, perPage: 10, sortBy: 'MODIFIED_TIME', sortOrder: 'DESC',
    where: { course: { eq: course } },
    orderBy: [{ field: 'LAST_NAME', direction: 'ASC' }],
  });
  const leads = page.data?.leads;
  t.ok(leads && leads.nodes.length > 0 && leads.nodes.every((n) => n.course === course), `leads (by id) with where: { course: { eq: "${course}" } }`, page);
  t.ok(typeof leads!.pageInfo.totalCount === 'number' && leads!.pageInfo.totalCount >= leads!.nodes.length, 'pageInfo.totalCount counts them all', leads!.pageInfo);

  // A mutation by id: create, read back, delete.
  const lastName = uniqueLastName('trusted');
  const created = await graphql(CreateStudentDocument, { input: { firstName: 'Asha', lastName, course } });
  const lead = created.data?.createLead;
  t.ok(lead?.id && lead.lastName === lastName, 'createLead (by id) answers the new lead', created);
  const read = await graphql(StudentDocument, { id: lead!.id });
  t.equal(read.data?.lead?.lastName, lastName, 'lead(id:) (by id) reads it back');
  const deleted = await graphql(DeleteStudentDocument, { id: lead!.id });
  t.equal(deleted.data?.deleteLead, lead!.id, 'deleteLead (by id) answers the deleted id');

  // Errors keep their codes by id too.
  const bad = await graphql(CreateStudentDocument, { input: { firstName: 'No', email: 'a@b.c' } });
  t.hasError(bad.errors, 'BAD_USER_INPUT', 'lastName', 'createLead (by id) without a last name');
  t.hasError(bad.errors, 'BAD_USER_INPUT', 'email', 'createLead (by id) with the email a@b.c');

  // Sign out by id; the old session cookie is refused afterwards.
  const oldSession = jar.get('zgw_session')!;
  const logout = await graphql(LogoutDocument, {});
  t.equal(logout.data?.logout, true, 'logout (by id) answers true');
  jar.cookies.set('zgw_session', oldSession);
  const after = await graphql(MeDocument, {});
  t.ok(!after.errors && after.data?.me === null, 'me is null with the old session cookie', after);
});
