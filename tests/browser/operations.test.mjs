// The portal cannot drift from the typed schema: every GraphQL document in playground/app.js is parsed and
// validated against the repository's schema.graphql, and the variables the portal builds are coerced
// against each operation's variable definitions; its trusted-documents manifest is current. No browser;
// the form's rules come from the gateway tests/browser/run.sh started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import { buildSchema, parse, validate, Kind, typeFromAST, coerceInputValue } from 'graphql';

const repo = (rel) => fileURLToPath(new URL(`../../${rel}`, import.meta.url));
const SCHEMA_PATH = repo('schema.graphql');

/** Evaluates a playground script the way a browser would, but with no DOM, and returns its globals. */
function loadScript(rel) {
  // URLSearchParams is a browser global (not a JavaScript built-in) that the URL rules use.
  const context = vm.createContext({ console, URLSearchParams });
  vm.runInContext(fs.readFileSync(repo(rel), 'utf8'), context, { filename: rel });
  return context;
}

function loadSchema() {
  assert.ok(fs.existsSync(SCHEMA_PATH), `${SCHEMA_PATH} is missing: the portal is checked against the committed schema`);
  return buildSchema(fs.readFileSync(SCHEMA_PATH, 'utf8'));
}

const app = loadScript('playground/app.js');
const OPERATIONS = app.ZGW_OPERATIONS;

// What the portal needs from the gateway; a rename or a removal on either side fails here.
const EXPECTED = [
  'Me', 'Login', 'Initialize', 'Logout', 'Students', 'Student', 'CreateStudent',
  'UpdateStudent', 'DeleteStudent', 'StudentModule', 'LeadChanged',
];

test('app.js publishes all of its GraphQL operations in one object', () => {
  assert.equal(typeof OPERATIONS, 'object', 'app.js must assign globalThis.ZGW_OPERATIONS');
  assert.deepEqual(Object.keys(OPERATIONS).sort(), [...EXPECTED].sort());
});

test('every operation parses, is named after its key and validates against schema.graphql', () => {
  const schema = loadSchema();
  for (const [name, source] of Object.entries(OPERATIONS)) {
    const doc = parse(source);
    const ops = doc.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    assert.equal(ops.length, 1, `${name}: one operation per document`);
    assert.equal(ops[0].name && ops[0].name.value, name, `${name}: operation name equals its key (sent as operationName)`);
    const errors = validate(schema, doc);
    assert.deepEqual(errors.map((e) => e.message), [], `${name} does not validate against schema.graphql`);
  }
});

test('the validation is not vacuous: a document with a wrong field or argument is rejected', () => {
  const schema = loadSchema();
  const broken = [
    'query { leads { nodes { id collegeName } pageInfo { page } } }',
    'query { searchLeads(by: { fullText: "x" }) { nodes { id } pageInfo { page } } }',
    'mutation { createLead(input: { firstName: "only", collegeName: "x" }) { id } }',
    'query { crmModule { fields { graphqlName } } }',
    'query { crmModule(apiName: "Leads") { fields { graphqlName choices { value } } } }',
  ];
  for (const source of broken) {
    assert.ok(validate(schema, parse(source)).length > 0, `expected validation errors for: ${source}`);
  }
});

/** Coerces `variables` against the variable definitions of operation `name`; returns error messages. */
function coerceVariables(schema, name, variables) {
  const op = parse(OPERATIONS[name]).definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  const messages = [];
  for (const def of op.variableDefinitions) {
    const key = def.variable.name.value;
    const type = typeFromAST(schema, def.type);
    coerceInputValue(variables[key] === undefined ? (def.type.kind === Kind.NON_NULL_TYPE ? undefined : null) : variables[key],
      type, (path, _value, error) => messages.push(`$${key}${path.length ? `.${path.join('.')}` : ''}: ${error.message}`));
  }
  const extra = Object.keys(variables).filter((k) => !op.variableDefinitions.some((d) => d.variable.name.value === k));
  for (const k of extra) messages.push(`$${k} is not declared by ${name}`);
  return messages;
}

/** A value made in the vm context, as a plain value of this realm (deepEqual checks prototypes). */
const plain = (value) => JSON.parse(JSON.stringify(value));

test('the search box sends email, phone or words as a LeadWhere that coerces', () => {
  const schema = loadSchema();
  const { searchFor, studentsRequest, LIST_DEFAULTS } = app.ZGW_RULES;
  const words = (...ws) => {
    const one = (w) => ({ or: ['firstName', 'lastName', 'email', 'company', 'course'].map((f) => ({ [f]: { contains: w } })) });
    return ws.length === 1 ? one(ws[0]) : { and: ws.map(one) };
  };
  const cases = [
    ['ada.lovelace@example.com', { email: { eq: 'ada.lovelace@example.com' } }],
    ['ada_l@example.com', { email: { eq: 'ada_l@example.com' } }], // eq takes % and _ as they are
    ['  +1 (555) 010-2030 ', { or: [{ phone: { contains: '+1 (555) 010-2030' } }, { mobile: { contains: '+1 (555) 010-2030' } }] }],
    ['Riverside', words('riverside')],
    ['Web Design', words('web', 'design')],
    ['web web DESIGN', words('web', 'design')],
    // % and _ are like-wildcards the gateway refuses in `contains`: they split words instead.
    ['100%_sure', words('100', 'sure')],
  ];
  for (const [text, where] of cases) {
    const result = searchFor(text);
    assert.deepEqual(plain(result), { where }, `search for ${JSON.stringify(text)}`);
    const request = studentsRequest({ ...LIST_DEFAULTS, q: text });
    assert.deepEqual(coerceVariables(schema, 'Students', plain(request.variables)), [], `variables for ${JSON.stringify(text)}`);
  }
  assert.match(searchFor('a').error, /at least 2 characters/);
  assert.match(searchFor('%_').error, /Type a name/);
  assert.match(searchFor('one two three four five').error, /at most 4 words/);
  assert.ok(searchFor('one two three four').where, 'four words are fine');
  assert.match(studentsRequest({ ...LIST_DEFAULTS, q: 'a' }).error, /at least 2 characters/);
});

test('the list, its filters, sorts and searches become Students variables that coerce', () => {
  const schema = loadSchema();
  const { studentsRequest, LIST_DEFAULTS } = app.ZGW_RULES;
  const vars = (changes) => plain(studentsRequest({ ...LIST_DEFAULTS, ...changes }).variables);

  // The plain list is Zoho's records list: no where, no orderBy (so no COQL).
  assert.deepEqual(vars({}), { page: 1, perPage: 25, sortBy: 'MODIFIED_TIME', sortOrder: 'DESC', where: null, orderBy: null });
  assert.deepEqual(vars({ sort: 'createdTime', dir: 'asc', page: 3 }),
    { page: 3, perPage: 25, sortBy: 'CREATED_TIME', sortOrder: 'ASC', where: null, orderBy: null });
  // Past the 2000th record the plain list pages through COQL (no page token needed, so a URL can open it).
  assert.deepEqual(vars({ page: 81 }).orderBy, [{ field: 'MODIFIED_TIME', direction: 'DESC' }, { field: 'CREATED_TIME', direction: 'DESC' }]);
  assert.equal(vars({ page: 80 }).orderBy, null);
  // Sorting by name or course needs COQL; ties are broken so pages do not overlap.
  assert.deepEqual(vars({ sort: 'lastName', dir: 'asc' }).orderBy,
    ['LAST_NAME', 'FIRST_NAME', 'CREATED_TIME'].map((field) => ({ field, direction: 'ASC' })));
  assert.deepEqual(vars({ sort: 'course', dir: 'desc' }).orderBy.map((o) => o.field), ['COURSE', 'LAST_NAME', 'FIRST_NAME', 'CREATED_TIME']);
  // Filters: one is the where, several are combined with and, the search too.
  assert.deepEqual(vars({ course: 'Web Design' }).where, { course: { eq: 'Web Design' } });
  assert.deepEqual(vars({ course: 'Web Design', status: 'Contacted' }).where,
    { and: [{ course: { eq: 'Web Design' } }, { leadStatus: { eq: 'Contacted' } }] });
  const searched = vars({ course: 'Web Design', q: 'ada@example.com', sort: 'lastName', dir: 'desc' });
  assert.deepEqual(searched.where, { and: [{ course: { eq: 'Web Design' } }, { email: { eq: 'ada@example.com' } }] });
  assert.equal(searched.orderBy[0].field, 'LAST_NAME');
  for (const changes of [{}, { page: 81 }, { sort: 'course', dir: 'asc' }, { course: 'Web Design', status: 'Contacted', q: 'one two three four', perPage: 100 }]) {
    assert.deepEqual(coerceVariables(schema, 'Students', vars(changes)), [], JSON.stringify(changes));
  }
  // The widest search with both filters stays within Zoho's 25 conditions.
  const count = (w) => (w.and || w.or ? (w.and || w.or).reduce((n, x) => n + count(x), 0) : 1);
  assert.ok(count(vars({ course: 'a', status: 'b', q: 'one two three four' }).where) <= 25);
});

test('the URL holds the list: defaults are left out, and reading it back gives the same list', () => {
  const { listFromUrl, urlOfList, LIST_DEFAULTS } = app.ZGW_RULES;
  assert.equal(urlOfList(LIST_DEFAULTS), '');
  assert.deepEqual(plain(listFromUrl('')), plain(LIST_DEFAULTS));
  const list = { q: 'Ada Lovelace', course: 'Web Design', status: 'Attempted to Contact', sort: 'lastName', dir: 'asc', page: 3, perPage: 50 };
  const url = urlOfList(list);
  assert.equal(url, '?q=Ada+Lovelace&course=Web+Design&status=Attempted+to+Contact&sort=lastName&dir=asc&page=3&perPage=50');
  assert.deepEqual(plain(listFromUrl(url)), list);
  assert.equal(urlOfList({ ...LIST_DEFAULTS, dir: 'asc' }), '?sort=modifiedTime&dir=asc', 'a sort is named with its direction');
  assert.equal(urlOfList({ ...LIST_DEFAULTS, q: 'a&b=c?#' }), '?q=a%26b%3Dc%3F%23', 'search text is encoded');
  assert.equal(listFromUrl(urlOfList({ ...LIST_DEFAULTS, q: 'a&b=c?#' })).q, 'a&b=c?#');
  // Nonsense falls back to the defaults rather than failing.
  const odd = plain(listFromUrl('?sort=salary&dir=up&page=-2&perPage=7&course=%20&status=' + 'x'.repeat(300)));
  assert.deepEqual(odd, plain(LIST_DEFAULTS));
  assert.equal(listFromUrl('?page=2.5').page, 1);
  assert.equal(listFromUrl('?page=999999&perPage=100').page, 1000, 'at most the 100,000th record');
  assert.equal(listFromUrl('?sort=course').dir, 'asc', 'a sort without a direction is ascending');
});

/** The Leads metadata the portal loads (crmModule needs no sign-in), from the gateway run.sh started. */
async function leadsModule() {
  const base = process.env.ZGW_BASE_URL;
  assert.ok(base, 'ZGW_BASE_URL: run through tests/browser/run.sh');
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ query: app.ZGW_OPERATIONS.StudentModule }),
  });
  return (await response.json()).data.crmModule;
}

test('browser validation uses the gateway\'s published rules (last name required, email and phone shapes, lengths)', async () => {
  const { validateStudent, fieldRules } = app.ZGW_RULES;
  const rules = fieldRules(await leadsModule());
  const ok = { firstName: 'Ada', lastName: 'Lovelace', company: 'Riverside College', course: 'Web Design', email: 'ada@example.com', phone: '+1 555 0100' };
  assert.deepEqual({ ...validateStudent(ok, rules) }, {});
  assert.deepEqual(Object.keys(validateStudent({ ...ok, lastName: '' }, rules)), ['lastName']);
  // Issue 13, item 8: `a@b.c` and `x@y..z` passed the browser and failed at the gateway.
  for (const bad of ['ada', 'ada@', 'ada@example', '@example.com', 'a b@example.com', 'a@b.c', 'x@y..z', 'a..b@c.co', 'a@-b.co']) {
    assert.deepEqual(Object.keys(validateStudent({ ...ok, email: bad }, rules)), ['email'], `email ${bad}`);
  }
  assert.equal(validateStudent({ ...ok, email: 'a@b.c' }, rules).email, 'Enter an email address like name@example.com.', 'the gateway\'s message');
  // Phones: digits with + - ( ) . and spaces, at least 3 digits (the gateway's rule).
  for (const good of ['+91 98450 00001', '(555) 010.2030', '555-0100', '123']) {
    assert.deepEqual({ ...validateStudent({ ...ok, phone: good }, rules) }, {}, `phone ${good}`);
  }
  for (const bad of ['12', 'abc', '555 0100 ext 2', '+1/555/0100', '--']) {
    assert.deepEqual(Object.keys(validateStudent({ ...ok, phone: bad }, rules)), ['phone'], `phone ${bad}`);
  }
  // Every bad field is reported at once, not only the first.
  assert.deepEqual(Object.keys(validateStudent({ ...ok, lastName: '', email: 'ada', phone: 'x' }, rules)).sort(), ['email', 'lastName', 'phone']);
  assert.deepEqual(Object.keys(validateStudent({ ...ok, lastName: 'x'.repeat(81) }, rules)), ['lastName']);
  assert.deepEqual(Object.keys(validateStudent({ ...ok, firstName: 'x'.repeat(41) }, rules)), ['firstName']);
  assert.deepEqual(Object.keys(validateStudent({ ...ok, company: 'x'.repeat(201) }, rules)), ['company']);
  assert.deepEqual(Object.keys(validateStudent({ ...ok, phone: '1'.repeat(31) }, rules)), ['phone']);
  assert.deepEqual(Object.keys(validateStudent({ ...ok, email: `${'x'.repeat(95)}@ex.com` }, rules)), ['email']);
  // Before the rules load (or when they cannot), the form still requires a last name; the gateway checks the rest.
  assert.deepEqual(Object.keys(validateStudent({ ...ok, lastName: '', email: 'a@b.c' })), ['lastName']);
});

test('a full student form coerces to LeadInput and a partial edit to LeadPatch', () => {
  const schema = loadSchema();
  const input = { firstName: 'Ada', lastName: 'Lovelace', company: 'Riverside College', course: 'Web Design', email: 'ada@example.com', phone: '+1 555 0100' };
  assert.deepEqual(coerceVariables(schema, 'CreateStudent', { input }), []);
  assert.deepEqual(coerceVariables(schema, 'UpdateStudent', { id: '1', input: { course: 'React in Depth', phone: null } }), []);
  // LeadInput's fields are all optional in the type now (the gateway checks required ones), but unknown ones fail.
  assert.ok(coerceVariables(schema, 'CreateStudent', { input: { lastName: 'Ada', college: 'x' } }).length > 0, 'unknown LeadInput field');
  assert.deepEqual(coerceVariables(schema, 'Students', { page: 2, perPage: 25, sortBy: 'CREATED_TIME', sortOrder: 'ASC' }), []);
  assert.deepEqual(coerceVariables(schema, 'Initialize', { code: 'c', state: 's', redirectUrl: 'http://x/redirect.html', location: 'us', accountsServer: null }), []);
  // The live list subscribes with no arguments: every change the user may see.
  assert.deepEqual(coerceVariables(schema, 'LeadChanged', {}), []);
});

test('the live list subscribes to every operation and reads back the fields the list shows', () => {
  const doc = parse(OPERATIONS.LeadChanged);
  const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  assert.equal(op.operation, 'subscription');
  const field = op.selectionSet.selections[0];
  assert.equal(field.name.value, 'leadChanged');
  assert.deepEqual(field.arguments, [], 'no ids or operations filter: additions and pages to come count too');
  const lead = field.selectionSet.selections.find((s) => s.name.value === 'lead');
  assert.deepEqual(lead.selectionSet.selections.map((s) => s.kind === Kind.FRAGMENT_SPREAD && s.name.value), ['StudentFields'],
    'the rows it refreshes have every field the Students list loads');
});

test('playground/trusted-documents.json lists exactly the portal\'s operations (node playground/trusted-documents.mjs)', async () => {
  const { manifestText, MANIFEST } = await import(repo('playground/trusted-documents.mjs'));
  assert.equal(fs.readFileSync(MANIFEST, 'utf8'), manifestText(), 'stale: run node playground/trusted-documents.mjs');
  const listed = Object.values(JSON.parse(fs.readFileSync(MANIFEST, 'utf8')));
  assert.deepEqual(listed.sort(), Object.values(OPERATIONS).sort());
});

test('GraphiQL is vendored from the pinned packages: manifest, files, pins and graphiql.html agree', () => {
  const pkg = JSON.parse(fs.readFileSync(repo('playground/package.json'), 'utf8'));
  const lock = JSON.parse(fs.readFileSync(repo('playground/package-lock.json'), 'utf8'));
  const manifest = JSON.parse(fs.readFileSync(repo('playground/vendor/manifest.json'), 'utf8'));
  for (const [name, version] of Object.entries(pkg.dependencies)) {
    assert.match(version, /^\d+\.\d+\.\d+$/, `${name} is pinned to an exact version`);
  }
  const html = fs.readFileSync(repo('playground/graphiql.html'), 'utf8');
  const referenced = [...html.matchAll(/(?:src|href)="\/vendor\/([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(referenced, manifest.assets.map((a) => a.file), 'graphiql.html loads every vendored asset, in order');
  for (const asset of manifest.assets) {
    assert.equal(pkg.dependencies[asset.package], asset.version, `package.json pins ${asset.package}@${asset.version}`);
    assert.equal(lock.packages[`node_modules/${asset.package}`].version, asset.version, `package-lock.json has ${asset.package}@${asset.version}`);
    const bytes = fs.readFileSync(repo(`playground/vendor/${asset.file}`));
    assert.equal(crypto.createHash('sha256').update(bytes).digest('hex'), asset.sha256, `vendor/${asset.file} matches its manifest`);
    // When the packages are installed (CI runs npm ci in playground/), the vendored copy must be theirs.
    const installed = repo(`playground/node_modules/${asset.package}/${asset.from}`);
    if (fs.existsSync(installed)) {
      assert.ok(bytes.equals(fs.readFileSync(installed)), `vendor/${asset.file} is stale: run npm ci && npm run vendor in playground/`);
    }
  }
  for (const name of new Set(manifest.assets.map((a) => a.package))) {
    assert.ok(fs.existsSync(repo(`playground/vendor/LICENSE.${name}`)), `vendor/LICENSE.${name} ships with it`);
  }
});

test('the course select: the org\'s options without -None-, plus a legacy course kept as an extra choice', () => {
  const { coursePicklist, courseChoices } = app.ZGW_RULES;
  const module = {
    apiName: 'Leads',
    fields: [
      { graphqlName: 'lastName', label: 'Last Name', type: 'text', options: [] },
      { graphqlName: 'course', label: 'Course', type: 'picklist', options: [
        { value: '-None-', label: '-None-' }, { value: 'Web Design', label: 'Web Design' },
        { value: 'React in Depth', label: 'React (in depth)' }] },
    ],
  };
  const options = coursePicklist(module);
  assert.deepEqual(JSON.parse(JSON.stringify(options)), [
    { value: 'Web Design', label: 'Web Design' }, { value: 'React in Depth', label: 'React (in depth)' }]);
  // JSON makes plain arrays of this realm out of the vm context's.
  const plain = (choices) => JSON.parse(JSON.stringify(choices.map((c) => [c.value, c.label])));
  assert.deepEqual(plain(courseChoices(options, '')), [['', 'No course'], ['Web Design', 'Web Design'], ['React in Depth', 'React (in depth)']]);
  assert.equal(courseChoices(options, 'Web Design').length, 3, 'a listed course adds nothing');
  assert.equal(courseChoices(options, '-None-').length, 3, '-None- is the empty choice, not a course');
  assert.deepEqual(plain(courseChoices(options, 'Flash Animation')).at(-1), ['Flash Animation', 'Flash Animation (not in the course list)']);
  assert.deepEqual(plain(courseChoices(null, 'Web Design')), [['', 'No course'], ['Web Design', 'Web Design']], 'before the list loads');
  // No picklist to choose from: the form falls back to a text box.
  assert.equal(coursePicklist(null), null);
  assert.equal(coursePicklist({ fields: [{ graphqlName: 'course', type: 'text', options: [] }] }), null);
  assert.equal(coursePicklist({ fields: [{ graphqlName: 'course', type: 'picklist', options: [{ value: '-None-', label: '-None-' }] }] }), null);
});
