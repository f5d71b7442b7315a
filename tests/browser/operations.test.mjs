// The portal cannot drift from the typed schema: every GraphQL document in playground/app.js is parsed and
// validated against the repository's schema.graphql, and the variables the portal builds are coerced
// against each operation's variable definitions. No browser and no gateway needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import { buildSchema, parse, validate, Kind, typeFromAST, coerceInputValue } from 'graphql';

const repo = (rel) => fileURLToPath(new URL(`../../${rel}`, import.meta.url));
const SCHEMA_PATH = repo('schema.graphql');

/** Evaluates a playground script the way a browser would, but with no DOM, and returns its globals. */
function loadScript(rel) {
  const context = vm.createContext({ console });
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
  'Me', 'Login', 'Initialize', 'Logout', 'Students', 'SearchStudents', 'Student', 'CreateStudent',
  'UpdateStudent', 'DeleteStudent', 'StudentModule',
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

test('the search box sends email, phone or word, and each coerces to LeadSearch', () => {
  const schema = loadSchema();
  const { searchFor } = app.ZGW_RULES;
  const cases = [
    ['ada.lovelace@example.com', { email: 'ada.lovelace@example.com' }],
    ['  +1 (555) 010-2030 ', { phone: '+1 (555) 010-2030' }],
    ['Riverside', { word: 'Riverside' }],
    ['Web Design', { word: 'Web Design' }],
  ];
  for (const [text, by] of cases) {
    const result = searchFor(text);
    assert.deepEqual({ ...result.by }, by, `search for ${JSON.stringify(text)}`);
    assert.deepEqual(coerceVariables(schema, 'SearchStudents', { by: result.by, page: 1, perPage: 25 }), []);
  }
  assert.match(searchFor('a').error, /at least 2 characters/);
});

test('browser validation matches the gateway rules (last name required, email format, lengths)', () => {
  const { validateStudent } = app.ZGW_RULES;
  const ok = { firstName: 'Ada', lastName: 'Lovelace', company: 'Riverside College', course: 'Web Design', email: 'ada@example.com', phone: '+1 555 0100' };
  assert.deepEqual({ ...validateStudent(ok) }, {});
  assert.deepEqual(Object.keys(validateStudent({ ...ok, lastName: '' })), ['lastName']);
  for (const bad of ['ada', 'ada@', 'ada@example', '@example.com', 'a b@example.com']) {
    assert.deepEqual(Object.keys(validateStudent({ ...ok, email: bad })), ['email'], `email ${bad}`);
  }
  // Phones: digits with + - ( ) . and spaces, at least 3 digits (the gateway's rule).
  for (const good of ['+91 98450 00001', '(555) 010.2030', '555-0100', '123']) {
    assert.deepEqual({ ...validateStudent({ ...ok, phone: good }) }, {}, `phone ${good}`);
  }
  for (const bad of ['12', 'abc', '555 0100 ext 2', '+1/555/0100', '--']) {
    assert.deepEqual(Object.keys(validateStudent({ ...ok, phone: bad })), ['phone'], `phone ${bad}`);
  }
  // Every bad field is reported at once, not only the first.
  assert.deepEqual(Object.keys(validateStudent({ ...ok, lastName: '', email: 'ada', phone: 'x' })).sort(), ['email', 'lastName', 'phone']);
  assert.deepEqual(Object.keys(validateStudent({ ...ok, lastName: 'x'.repeat(81) })), ['lastName']);
  assert.deepEqual(Object.keys(validateStudent({ ...ok, firstName: 'x'.repeat(41) })), ['firstName']);
  assert.deepEqual(Object.keys(validateStudent({ ...ok, company: 'x'.repeat(201) })), ['company']);
  assert.deepEqual(Object.keys(validateStudent({ ...ok, phone: '1'.repeat(31) })), ['phone']);
  assert.deepEqual(Object.keys(validateStudent({ ...ok, email: `${'x'.repeat(95)}@ex.com` })), ['email']);
});

test('a full student form coerces to LeadInput and a partial edit to LeadPatch', () => {
  const schema = loadSchema();
  const input = { firstName: 'Ada', lastName: 'Lovelace', company: 'Riverside College', course: 'Web Design', email: 'ada@example.com', phone: '+1 555 0100' };
  assert.deepEqual(coerceVariables(schema, 'CreateStudent', { input }), []);
  assert.deepEqual(coerceVariables(schema, 'UpdateStudent', { id: '1', input: { course: 'React in Depth', phone: null } }), []);
  // LeadInput's fields are all optional in the type now (the gateway checks required ones), but unknown ones fail.
  assert.ok(coerceVariables(schema, 'CreateStudent', { input: { lastName: 'Ada', college: 'x' } }).length > 0, 'unknown LeadInput field');
  assert.deepEqual(coerceVariables(schema, 'Students', { page: 2, perPage: 25, pageToken: null, sortBy: 'CREATED_TIME', sortOrder: 'ASC' }), []);
  assert.deepEqual(coerceVariables(schema, 'Initialize', { code: 'c', state: 's', redirectUrl: 'http://x/redirect.html', location: 'us', accountsServer: null }), []);
});

test('GraphiQL loads exactly the versions pinned in playground/package.json, and npm ci installed them', () => {
  const pinned = { ...loadScript('playground/graphiql.js').ZGW_GRAPHIQL_PINNED };
  const pkg = JSON.parse(fs.readFileSync(repo('playground/package.json'), 'utf8'));
  const lock = JSON.parse(fs.readFileSync(repo('playground/package-lock.json'), 'utf8'));
  for (const [name, version] of Object.entries(pinned)) {
    assert.equal(pkg.dependencies[name], version, `playground/package.json pins ${name}@${version} exactly`);
    assert.equal(lock.packages[`node_modules/${name}`].version, version, `package-lock.json has ${name}@${version}`);
  }
  for (const [name, version] of Object.entries(pkg.dependencies)) {
    assert.match(version, /^\d+\.\d+\.\d+$/, `${name} is pinned to an exact version`);
  }
  const assets = ['react/umd/react.production.min.js', 'react-dom/umd/react-dom.production.min.js',
    'graphiql/graphiql.min.js', 'graphiql/graphiql.min.css'];
  for (const asset of assets) {
    assert.ok(fs.existsSync(repo(`playground/node_modules/${asset}`)), `playground/node_modules/${asset} (run npm ci in playground/)`);
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
