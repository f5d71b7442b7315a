// Zylker Academy student portal: plain JavaScript over zoho-gateway's GraphQL API.
//
// Layout of this file:
//   1. OPERATIONS  every GraphQL document the portal sends, in one place. tests/browser/operations.test.mjs
//                  loads this file in a bare `vm` context, reads globalThis.ZGW_OPERATIONS and validates each
//                  document against the repository's schema.graphql, so the portal cannot drift from it.
//   2. Rules       the browser-side copy of the gateway's input validation, the search-box heuristics, and the
//                  list's state: what the URL holds (?q=&course=&status=&sort=&dir=&page=&perPage=) and the
//                  `leads` variables (where, orderBy) that fetch it.
//   3. Transport   gql(): POST /graphql as JSON with the session cookie; errors keep extensions.code/field.
//                  openLive(): a subscription over a WebSocket at /graphql (graphql-transport-ws, by hand).
//   4. UI          sign-in through the Zoho popup, the student table (filters, sort, search, paging, kept in the
//                  URL with history.pushState so reload and Back work), the add/edit form, delete, sign-out,
//                  and the live list (changes made anywhere, in Zoho CRM too, reach the table).
// Nothing runs at load time without a DOM, which is what lets the test evaluate this file in Node.
'use strict';

// ---------------------------------------------------------------------------------------------------------
// 1. OPERATIONS
// ---------------------------------------------------------------------------------------------------------

const STUDENT_FIELDS = `
fragment StudentFields on Lead {
  id
  firstName
  lastName
  fullName
  email
  phone
  company
  course
  leadStatus
  owner { id name }
  modifiedTime
}`;

const SESSION_FIELDS = `
fragment SessionFields on Session {
  user { id name email }
  org { id name dataCenter }
  expiresAt
}`;

// totalCount costs the gateway one more Zoho call; a failure of it alone leaves the rest of the page usable.
const PAGE_FIELDS = `
fragment PageFields on LeadPage {
  nodes { ...StudentFields }
  pageInfo { page perPage count hasMore totalCount }
}`;

/** Every GraphQL document the portal sends; each key is the document's operation name. */
const OPERATIONS = Object.freeze({
  Me: `query Me { me { ...SessionFields } }${SESSION_FIELDS}`,

  Login: `mutation Login($redirectUrl: String!) {
  login(redirectUrl: $redirectUrl) { url state }
}`,

  Initialize: `mutation Initialize($code: String!, $state: String!, $redirectUrl: String!, $location: String, $accountsServer: String) {
  initialize(code: $code, state: $state, redirectUrl: $redirectUrl, location: $location, accountsServer: $accountsServer) {
    ...SessionFields
  }
}${SESSION_FIELDS}`,

  Logout: `mutation Logout { logout }`,

  // The list, a filtered list and a search alike (see studentsRequest): with $where or $orderBy the gateway
  // runs a COQL query, paged by number; without them Zoho's plain records list.
  Students: `query Students($page: Int!, $perPage: Int!, $sortBy: LeadSort!, $sortOrder: SortOrder!, $where: LeadWhere, $orderBy: [LeadOrder!]) {
  leads(page: $page, perPage: $perPage, sortBy: $sortBy, sortOrder: $sortOrder, where: $where, orderBy: $orderBy) { ...PageFields }
}${PAGE_FIELDS}${STUDENT_FIELDS}`,

  Student: `query Student($id: ID!) { lead(id: $id) { ...StudentFields } }${STUDENT_FIELDS}`,

  CreateStudent: `mutation CreateStudent($input: LeadInput!) {
  createLead(input: $input) { ...StudentFields }
}${STUDENT_FIELDS}`,

  UpdateStudent: `mutation UpdateStudent($id: ID!, $input: LeadPatch!) {
  updateLead(id: $id, input: $input) { ...StudentFields }
}${STUDENT_FIELDS}`,

  DeleteStudent: `mutation DeleteStudent($id: ID!) { deleteLead(id: $id) }`,

  // Every create, edit and delete of a lead the user may see, wherever it was made (the portal, another
  // client, Zoho CRM's own UI); `lead` is re-read with the user's token, so it has the list's fields.
  LeadChanged: `subscription LeadChanged {
  leadChanged { operation id lead { ...StudentFields } }
}${STUDENT_FIELDS}`,

  // The org's metadata of Leads: the course and status picklists' options (the form and the filters), the
  // form's rules (the gateway's own: required, lengths, email and phone shapes), and labels for errors on
  // fields the form lacks.
  StudentModule: `query StudentModule {
  crmModule(apiName: "Leads") {
    apiName
    fields { graphqlName inputName label type required maxLength pattern patternMessage options { value label } }
  }
}`,
});

globalThis.ZGW_OPERATIONS = OPERATIONS;

// ---------------------------------------------------------------------------------------------------------
// 2. Rules: the gateway's own, published by crmModule (required, maxLength, pattern + patternMessage), so the
//    form refuses exactly what the gateway would; a server error still lands next to its field.
// ---------------------------------------------------------------------------------------------------------

/** The student form's inputs, in form order; `name` is the LeadInput/LeadPatch field. */
const STUDENT_INPUTS = ['firstName', 'lastName', 'company', 'course', 'email', 'phone'];
const FIELD_LABEL = {
  firstName: 'First name', lastName: 'Last name', company: 'College', course: 'Course', email: 'Email',
  phone: 'Phone',
};
// Until the org's rules have loaded (or if they cannot be): the one rule the form cannot do without. The
// gateway checks the rest, and its errors land next to their fields.
const FALLBACK_RULES = Object.freeze({ lastName: { required: true, maxLength: null, pattern: null, message: null } });
// What the search box takes for an email address or a phone number (a guess at intent, not a rule).
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@.]{2,}$/;
const PHONE_RE = /^\+?[0-9 ().-]{5,30}$/;
// Zoho's "no value" picklist option: shown as the empty choice, never as a course.
const PICKLIST_NONE = '-None-';

/** The form's rules from a crmModule answer: { inputName: { required, maxLength, pattern, message } }. */
function fieldRules(module) {
  if (!module || !Array.isArray(module.fields)) return FALLBACK_RULES;
  const rules = {};
  for (const f of module.fields) {
    if (!STUDENT_INPUTS.includes(f.inputName)) continue;
    let pattern = null;
    try {
      pattern = f.pattern ? new RegExp(f.pattern) : null;
    } catch {
      // A pattern this browser cannot read: the gateway still checks it.
    }
    rules[f.inputName] = { required: Boolean(f.required), maxLength: f.maxLength ?? null, pattern, message: f.patternMessage };
  }
  return rules;
}

/** Sets the form inputs' maxlength from the rules, so a user cannot type past what the gateway accepts. */
function applyLengthLimits(rules) {
  if (typeof document === 'undefined') return;
  for (const name of STUDENT_INPUTS) {
    const input = document.getElementById(`f-${name}`);
    const max = rules[name] && rules[name].maxLength;
    if (input && 'maxLength' in input) {
      if (max) input.maxLength = max;
      else input.removeAttribute('maxlength');
    }
  }
}

/** Returns { field: message } for a student's values (all strings, already trimmed), every bad field at once. */
function validateStudent(values, rules = FALLBACK_RULES) {
  const errors = {};
  for (const name of STUDENT_INPUTS) {
    const rule = rules[name];
    const value = values[name];
    if (!rule) continue;
    if (!value) {
      if (rule.required) errors[name] = `Enter the student's ${FIELD_LABEL[name].toLowerCase()}.`;
    } else if (rule.maxLength && [...value].length > rule.maxLength) {
      // Characters, as the gateway counts them (not UTF-16 units).
      errors[name] = `${FIELD_LABEL[name]} must be at most ${rule.maxLength} characters.`;
    } else if (rule.pattern && !rule.pattern.test(value)) {
      errors[name] = rule.message;
    }
  }
  return errors;
}

/**
 * The options of picklist field `graphqlName` in a crmModule answer, without -None-; null when the org has no such
 * picklist to choose from.
 */
function picklistOptions(module, graphqlName) {
  const field = module && Array.isArray(module.fields) && module.fields.find((f) => f.graphqlName === graphqlName);
  if (!field || field.type !== 'picklist' || !Array.isArray(field.options)) return null;
  const options = field.options.filter((o) => o.value && o.value !== PICKLIST_NONE)
    .map((o) => ({ value: o.value, label: o.label || o.value }));
  return options.length ? options : null;
}

/**
 * The course picklist of a crmModule answer: its options without -None-, or null when the org has no course
 * picklist to choose from (then the form falls back to a text box; the gateway still checks what is typed).
 */
function coursePicklist(module) {
  return picklistOptions(module, 'course');
}

/**
 * The course <select>'s choices for a student whose course is `current`: the empty choice ("No course"), the
 * org's options, and `current` itself when it is not one of them (legacy data), so saving keeps it as it is.
 * `options` null means they are not known yet.
 */
function courseChoices(options, current) {
  return choicesWith({ value: '', label: 'No course' }, options, current, 'not in the course list');
}

/**
 * A filter <select>'s choices: "All courses" (or statuses), the org's options, and the filter in force when it
 * is not one of them (a URL from before the option was removed, or the options have not loaded yet).
 */
function filterChoices(allLabel, options, current) {
  return choicesWith({ value: '', label: allLabel }, options, current, 'not in the list');
}

/** `empty`, then `options`, then `current` if it is none of them (noted as such once the options are known). */
function choicesWith(empty, options, current, note) {
  const choices = [empty, ...(options || [])];
  if (current && current !== PICKLIST_NONE && !choices.some((c) => c.value === current)) {
    choices.push({ value: current, label: options ? `${current} (${note})` : current, extra: true });
  }
  return choices;
}

// Word search looks in these fields; each word must be in one of them (Zoho compares without regard to case).
const WORD_FIELDS = ['firstName', 'lastName', 'email', 'company', 'course'];
// Zoho takes at most 25 conditions per COQL query: 4 words x 5 fields, plus the course and status filters.
const MAX_SEARCH_WORDS = 4;

/**
 * Turns the search box's text into a LeadWhere (or an error message). An email finds that address, a phone
 * number the phones and mobiles containing it, other text the students with every word in a name, the email,
 * the college or the course. `%` and `_` are Zoho's `like` wildcards, which the gateway refuses in `contains`:
 * they are dropped here and split words instead, so every search can be filtered and sorted (a search for
 * `a_b` finds the students with both `a` and `b`, which includes those with `a_b`).
 */
function searchFor(text) {
  const q = text.trim();
  if (EMAIL_RE.test(q)) return { where: { email: { eq: q } } };
  if (PHONE_RE.test(q) && (q.match(/[0-9]/g) || []).length >= 5) {
    return { where: { or: [{ phone: { contains: q } }, { mobile: { contains: q } }] } };
  }
  if (q.length < 2) return { error: 'Type at least 2 characters to search.' };
  const words = [...new Set(q.split(/[\s%_]+/).filter(Boolean).map((w) => w.toLowerCase()))];
  if (words.length === 0) return { error: 'Type a name, a college, a course, an email address or a phone number.' };
  if (words.length > MAX_SEARCH_WORDS) return { error: `Search for at most ${MAX_SEARCH_WORDS} words at a time.` };
  const anyField = (word) => ({ or: WORD_FIELDS.map((f) => ({ [f]: { contains: word } })) });
  return { where: words.length === 1 ? anyField(words[0]) : { and: words.map(anyField) } };
}

/** What the student table shows: all of it lives in the URL, defaults left out. */
const LIST_DEFAULTS = Object.freeze({
  q: '', course: '', status: '', sort: 'modifiedTime', dir: 'desc', page: 1, perPage: 25,
});
/** The sorts offered (URL name -> LeadOrderField), each with the keys that break its ties, in order. */
const SORTS = Object.freeze({
  modifiedTime: ['MODIFIED_TIME', 'CREATED_TIME'],
  createdTime: ['CREATED_TIME', 'MODIFIED_TIME'],
  lastName: ['LAST_NAME', 'FIRST_NAME', 'CREATED_TIME'],
  course: ['COURSE', 'LAST_NAME', 'FIRST_NAME', 'CREATED_TIME'],
});
const PER_PAGE_CHOICES = [10, 25, 50, 100];
// Zoho's plain list serves the first 2000 records by page number (past them only with the previous page's
// token); COQL pages by number up to the 100,000th, so a page past the 2000th goes through COQL (and a reloaded
// URL can open it directly).
const MAX_DISCRETE_RECORDS = 2000;
const MAX_COQL_RECORDS = 100000;
// A filter value longer than this is refused by the gateway; no course or status is this long.
const MAX_FILTER_TEXT = 255;

/** The list a URL's query string asks for; anything unknown or out of range falls back to the default. */
function listFromUrl(search) {
  const params = new URLSearchParams(search);
  const text = (name) => (params.get(name) || '').trim();
  const list = { ...LIST_DEFAULTS };
  list.q = text('q');
  for (const name of ['course', 'status']) {
    if (text(name).length <= MAX_FILTER_TEXT) list[name] = text(name);
  }
  if (Object.hasOwn(SORTS, text('sort'))) {
    list.sort = text('sort');
    list.dir = text('dir') === 'desc' ? 'desc' : 'asc';
  }
  const perPage = Number(text('perPage'));
  if (PER_PAGE_CHOICES.includes(perPage)) list.perPage = perPage;
  const page = Number(text('page'));
  if (Number.isInteger(page) && page >= 1) list.page = Math.min(page, Math.floor(MAX_COQL_RECORDS / list.perPage));
  return list;
}

/** The query string (with its `?`, or '') of a list: the inverse of listFromUrl. */
function urlOfList(list) {
  const params = new URLSearchParams();
  if (list.q) params.set('q', list.q);
  if (list.course) params.set('course', list.course);
  if (list.status) params.set('status', list.status);
  if (list.sort !== LIST_DEFAULTS.sort || list.dir !== LIST_DEFAULTS.dir) {
    params.set('sort', list.sort);
    params.set('dir', list.dir);
  }
  if (list.page !== LIST_DEFAULTS.page) params.set('page', String(list.page));
  if (list.perPage !== LIST_DEFAULTS.perPage) params.set('perPage', String(list.perPage));
  const query = params.toString();
  return query ? `?${query}` : '';
}

/**
 * The variables of the Students operation for a list, or { error } when its search text is not searchable.
 * The filters and the search become one `where` (all must hold); a sort Zoho's plain list cannot do (by name or
 * course), a filter, a search, or a page past the 2000th record makes it a COQL query, ordered by `orderBy`.
 */
function studentsRequest(list) {
  const conditions = [];
  if (list.course) conditions.push({ course: { eq: list.course } });
  if (list.status) conditions.push({ leadStatus: { eq: list.status } });
  if (list.q) {
    const search = searchFor(list.q);
    if (search.error) return { error: search.error };
    conditions.push(search.where);
  }
  let where = null;
  if (conditions.length === 1) [where] = conditions;
  else if (conditions.length > 1) where = { and: conditions };
  const keys = SORTS[list.sort] || SORTS[LIST_DEFAULTS.sort];
  const direction = list.dir === 'asc' ? 'ASC' : 'DESC';
  const plainSort = keys[0] === 'MODIFIED_TIME' || keys[0] === 'CREATED_TIME';
  const coql = Boolean(where) || !plainSort || list.page * list.perPage > MAX_DISCRETE_RECORDS;
  return {
    variables: {
      page: list.page,
      perPage: list.perPage,
      sortBy: plainSort ? keys[0] : 'MODIFIED_TIME',
      sortOrder: direction,
      where,
      orderBy: coql ? keys.map((field) => ({ field, direction })) : null,
    },
  };
}

globalThis.ZGW_RULES = {
  validateStudent, fieldRules, searchFor, coursePicklist, courseChoices, picklistOptions, filterChoices, listFromUrl, urlOfList,
  studentsRequest, LIST_DEFAULTS,
};

// ---------------------------------------------------------------------------------------------------------
// 3. Transport
// ---------------------------------------------------------------------------------------------------------

/**
 * A failed GraphQL call: `code` is extensions.code (or NETWORK / HTTP), `fields` maps input fields to messages
 * (one per field: validation reports every bad field at once), `others` holds the messages that name no field.
 */
class ApiError extends Error {
  constructor(code, message, fields = {}, others = []) {
    super(message);
    this.code = code;
    this.fields = fields;
    this.others = others;
  }
}

/**
 * Sends OPERATIONS[operationName]. An error on a field named in `optional` (a nullable extra such as totalCount)
 * does not fail the call when the rest of the answer came: that field is then null.
 */
async function gql(operationName, variables = {}, { optional = [] } = {}) {
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json, application/json' },
      body: JSON.stringify({ query: OPERATIONS[operationName], variables, operationName }),
    });
  } catch {
    throw new ApiError('NETWORK', 'The portal could not reach the gateway. Check your connection, then try again.');
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's error page, an empty body): reported below by HTTP status.
  }
  const isOptional = (e) => Array.isArray(e.path) && optional.includes(e.path[e.path.length - 1]);
  const errors = (body && Array.isArray(body.errors) ? body.errors : [])
    .filter((e) => !(body.data && isOptional(e)));
  if (errors.length > 0) {
    const fields = {};
    const others = [];
    for (const e of errors) {
      const field = e.extensions && e.extensions.field;
      const message = e.message || 'The request failed.';
      if (!field) others.push(message);
      else if (fields[field]) fields[field] += ` ${message}`;
      else fields[field] = message;
    }
    const first = errors[0];
    const code = (first.extensions && first.extensions.code) || (response.ok ? 'INTERNAL' : `HTTP_${response.status}`);
    throw new ApiError(code, first.message || 'The request failed.', fields, others);
  }
  if (!response.ok || !body || !body.data) {
    throw new ApiError(`HTTP_${response.status}`, `The gateway answered with HTTP ${response.status}.`);
  }
  return body.data;
}

// The graphql-transport-ws protocol (the one the graphql-ws library speaks), written out here because the
// portal loads no library. CSP's connect-src 'self' covers ws:/wss: to the same host in Chromium.
const LIVE_PROTOCOL = 'graphql-transport-ws';
// The gateway closes with 4401 when the session has ended (signed out elsewhere): reconnecting cannot help.
const CLOSE_SESSION_ENDED = 4401;
// A socket that has not opened and been acknowledged (connection_ack) by then is as good as down.
const LIVE_ACK_TIMEOUT_MS = 10000;
const LIVE_RETRY_FIRST_MS = 1000;
const LIVE_RETRY_MAX_MS = 30000;
// A connection that stayed up this long was healthy: the next drop retries after 1 s again, not after the
// backoff a flapping connection had reached.
const LIVE_STABLE_MS = 10000;

/**
 * Keeps subscription `operationName` running over a WebSocket at /graphql (the session cookie authenticates
 * the upgrade) until stop(). `onData(payload)` gets each `next` payload; `onStatus(status, { resumed })` hears
 * 'connecting', 'live' (acknowledged; `resumed` after a reconnect, when events may have been missed),
 * 'reconnecting' and 'ended' (the session is over: close code 4401, an UNAUTHENTICATED refusal, or a refused
 * upgrade after which `sessionGone()` resolves true). Any other close or refusal reconnects after 1 s, 2 s,
 * 4 s … at most 30 s. `retryNow()` skips a pending wait (the browser came back online).
 */
function openLive(operationName, variables, { onData, onStatus, sessionGone }) {
  let socket = null;
  let stopped = false;
  let attempt = 0;
  let everLive = false;
  let retryTimer = null;
  let subscriptionId = 0;

  function connect() {
    retryTimer = null;
    if (stopped) return;
    onStatus(everLive || attempt > 0 ? 'reconnecting' : 'connecting', {});
    const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql`;
    let ws;
    try {
      ws = new WebSocket(url, LIVE_PROTOCOL);
    } catch {
      retry();
      return;
    }
    socket = ws;
    const id = String(++subscriptionId);
    let opened = false;
    let ackedAt = 0;
    const ackTimer = setTimeout(() => ws.close(4408, 'no connection_ack'), LIVE_ACK_TIMEOUT_MS);
    const send = (message) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
    };
    ws.onopen = () => {
      opened = true;
      send({ type: 'connection_init' });
    };
    ws.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        ws.close(4400, 'not JSON');
        return;
      }
      switch (message && message.type) {
        case 'connection_ack':
          clearTimeout(ackTimer);
          ackedAt = Date.now();
          send({ id, type: 'subscribe', payload: { query: OPERATIONS[operationName], operationName, variables } });
          onStatus('live', { resumed: everLive });
          everLive = true;
          break;
        case 'ping':
          send({ type: 'pong' });
          break;
        case 'next':
          if (message.id === id) onData(message.payload);
          break;
        case 'error': {
          if (message.id !== id) break;
          const first = Array.isArray(message.payload) ? message.payload[0] : null;
          const code = first && first.extensions && first.extensions.code;
          console.warn(`${operationName} was refused: ${code || ''} ${(first && first.message) || ''}`);
          if (code === 'UNAUTHENTICATED') end();
          else ws.close(1000, 'subscription refused'); // may be passing (Zoho down): retried with backoff
          break;
        }
        case 'complete':
          // The gateway ended the stream (it is shutting down, say): a new connection starts it again.
          if (message.id === id) ws.close(1000, 'subscription completed');
          break;
        default:
          break;
      }
    };
    ws.onclose = (event) => {
      clearTimeout(ackTimer);
      if (socket !== ws) return; // a socket stop() or end() already let go of
      socket = null;
      if (stopped) return;
      if (event.code === CLOSE_SESSION_ENDED) {
        end();
        return;
      }
      if (ackedAt && Date.now() - ackedAt >= LIVE_STABLE_MS) attempt = 0;
      if (opened) {
        retry();
        return;
      }
      // A refused upgrade (401 without a session) looks like any failed connection from here (code 1006):
      // ask the gateway whether the session still exists before trying again.
      Promise.resolve(sessionGone()).then((gone) => {
        if (stopped) return;
        if (gone) end();
        else retry();
      }, () => retry());
    };
  }

  function retry() {
    if (stopped || retryTimer) return;
    const delay = Math.min(LIVE_RETRY_MAX_MS, LIVE_RETRY_FIRST_MS * 2 ** attempt);
    attempt += 1;
    onStatus('reconnecting', { delay });
    retryTimer = setTimeout(connect, delay);
  }

  /** Lets go of the socket: `complete` for a running subscription, then a normal close. */
  function release() {
    stopped = true;
    clearTimeout(retryTimer);
    retryTimer = null;
    const ws = socket;
    socket = null;
    if (!ws) return;
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ id: String(subscriptionId), type: 'complete' }));
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000, 'done');
  }

  function end() {
    if (stopped) return;
    release();
    onStatus('ended', {});
  }

  connect();
  return {
    stop: release,
    retryNow() {
      if (stopped || !retryTimer) return;
      clearTimeout(retryTimer);
      connect();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// 4. UI
// ---------------------------------------------------------------------------------------------------------

const POPUP_NAME = 'zoho-sign-in';
const $ = (id) => document.getElementById(id);

const state = {
  session: null,
  view: 'loading',
  // The list asked for and the list the table shows, as LIST_DEFAULTS: { q, course, status, sort, dir, page,
  // perPage }. The URL follows `shown`, so it names what is on screen even when a request failed; with nothing
  // on screen (a failed first load), it follows the list asked for, as the controls and Try again do.
  list: { ...LIST_DEFAULTS },
  shown: null,
  rows: [],
  pageInfo: null,
  listSeq: 0,
  loading: false,
  highlightId: null,
  editing: null, // the student being edited, or null when adding
  deleting: null,
  signIn: null, // { state, redirectUrl, popup, timer } while the Zoho popup is open
  lastFocus: null,
  // The course picklist from crmModule: status 'idle' | 'loading' | 'ready' (options) | 'text' (the org has
  // no course picklist) | 'failed'; leadStatuses: the Lead_Status picklist's options (null: not known);
  // labels maps Lead fields to the org's labels (for errors off the form).
  courses: { status: 'idle', options: null, leadStatuses: null, labels: {}, rules: FALLBACK_RULES, seq: 0 },
  formBusy: false,
  editingGone: false, // the student being edited was deleted elsewhere: the form cannot save it
  // The live list (see "Live updates"): the subscription, the changes held back while a dialog is open, and
  // what recent changes a list answer already on its way may not include yet.
  live: {
    client: null,
    queue: [],
    reloadOnClose: false, // held back too many changes, or missed some: load the page again instead
    ownIds: new Set(), // students this portal added or deleted: their CREATED or DELETED is no news
    recent: new Map(), // id -> { change, at }
    flash: new Map(), // id -> time until which its row is highlighted
    reloadTimer: null,
  },
};

// ---- Views, banner, toast ------------------------------------------------------------------------------

function showView(view) {
  state.view = view;
  $('view-loading').hidden = view !== 'loading';
  $('view-signed-out').hidden = view !== 'signed-out';
  $('view-students').hidden = view !== 'students';
  const signedIn = view === 'students' && state.session;
  $('account').hidden = !signedIn;
  if (signedIn) {
    $('user-name').textContent = state.session.user.name;
    $('org-name').textContent = state.session.org.name;
  }
}

const BANNER_TEXT = {
  UNAUTHENTICATED: 'Your session has ended, or Zoho no longer accepts this sign-in. Sign in again to continue.',
  RATE_LIMITED: 'Zoho CRM\'s API limit was reached. Wait a few seconds, then try again.',
  UPSTREAM_UNAVAILABLE: 'Zoho CRM is not responding right now. Try again in a moment.',
  FORBIDDEN: 'Your Zoho CRM role does not allow this action.',
  NOT_FOUND: 'That student no longer exists, or it is not visible to you.',
  CSRF_ERROR: 'The gateway refused the request as a possible cross-site request. Reload the page and try again.',
  NETWORK: 'The portal could not reach the gateway. Check your connection, then try again.',
};

/**
 * Shows the error banner for an ApiError (`text` overrides the wording); `retry` becomes a "Try again"
 * action, and UNAUTHENTICATED always gets "Sign in again".
 */
function showError(err, retry, text) {
  const code = err instanceof ApiError ? err.code : 'INTERNAL';
  text = text || BANNER_TEXT[code] || `Something went wrong: ${err.message || 'unknown error'}`;
  const banner = $('banner');
  banner.dataset.code = code;
  banner.classList.toggle('banner-warning', code === 'RATE_LIMITED' || code === 'UPSTREAM_UNAVAILABLE');
  $('banner-text').textContent = text;
  const action = $('banner-action');
  if (code === 'UNAUTHENTICATED') {
    action.textContent = 'Sign in again';
    action.onclick = () => startSignIn();
    action.hidden = false;
  } else if (retry) {
    action.textContent = 'Try again';
    action.onclick = () => { hideBanner(); retry(); };
    action.hidden = false;
  } else {
    action.hidden = true;
    action.onclick = null;
  }
  banner.hidden = false;
}

function showBannerMessage(text) {
  showError(new ApiError('MESSAGE', text), null, text);
}

function hideBanner() {
  $('banner').hidden = true;
  delete $('banner').dataset.code;
}

let toastTimer = null;
function toast(text) {
  const el = $('toast');
  el.textContent = text;
  el.classList.add('toast-visible');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove('toast-visible'), 4000);
}

// ---- Session and sign-in -------------------------------------------------------------------------------

async function boot() {
  showView('loading');
  try {
    const data = await gql('Me');
    if (data.me) {
      signedIn(data.me, false);
    } else {
      showSignedOut('');
    }
  } catch (err) {
    showSignedOut('');
    showError(err, boot);
  }
}

/**
 * Shows the sign-in page. `forget` (signing out) also drops the list's state from the URL, so the next user
 * starts on the first page of the whole list; otherwise (no session yet) the URL is kept for after sign-in.
 */
function showSignedOut(message, { forget = false } = {}) {
  stopLive();
  state.live.ownIds.clear();
  state.session = null;
  state.rows = [];
  state.listSeq += 1; // an answer still on its way is for the user who left
  Object.assign(state, { list: { ...LIST_DEFAULTS }, shown: null, pageInfo: null });
  if (forget) history.replaceState(null, '', location.pathname);
  $('search-input').value = '';
  resetSearchHint();
  // The next user may be in another org, with other courses.
  state.courses = { status: 'idle', options: null, leadStatuses: null, labels: {}, rules: FALLBACK_RULES, seq: state.courses.seq + 1 };
  showView('signed-out');
  reportSignIn(message);
}

function signedIn(session, moveFocus) {
  state.session = session;
  hideBanner();
  showView('students');
  showListFromUrl();
  startLive();
  if (state.courses.status !== 'ready' && state.courses.status !== 'text') loadCourseOptions();
  if (moveFocus) $('students-title').focus();
}

/** Shows the list the URL names (at sign-in, on reload, and on Back and Forward). */
function showListFromUrl() {
  state.list = listFromUrl(location.search);
  resetSearchHint();
  $('search-input').value = state.list.q;
  syncListControls(state.list);
  loadStudents('replace');
}

/** Where sign-in news is told: under the button when signed out, else (problems only) in the banner. */
function reportSignIn(message, problem = false) {
  if (state.view === 'signed-out') {
    $('signin-status').textContent = message;
    $('signin-status').classList.toggle('signin-problem', problem);
  } else if (problem) {
    showBannerMessage(message);
  }
}

function setSigningIn(busy) {
  const button = $('sign-in');
  button.disabled = busy;
  button.textContent = busy ? 'Waiting for Zoho…' : 'Sign in with Zoho';
  button.setAttribute('aria-busy', String(busy));
}

function openCenteredPopup(width, height) {
  const left = Math.round(window.screenX + Math.max(0, (window.outerWidth - width) / 2));
  const top = Math.round(window.screenY + Math.max(0, (window.outerHeight - height) / 2));
  return window.open('', POPUP_NAME, `popup=yes,width=${width},height=${height},left=${left},top=${top}`);
}

/**
 * Opens the Zoho popup. It is opened blank inside the click handler (so pop-up blockers see a user gesture)
 * and sent to Zoho once `login` has returned the authorization URL and the state to expect back.
 */
async function startSignIn() {
  if (state.signIn) {
    if (state.signIn.popup && !state.signIn.popup.closed) state.signIn.popup.focus();
    return;
  }
  const popup = openCenteredPopup(520, 640);
  if (!popup) {
    reportSignIn('Your browser blocked the Zoho sign-in window. Allow pop-ups for this site, then choose Sign in with Zoho again.', true);
    return;
  }
  try {
    popup.document.title = 'Connecting to Zoho…';
    popup.document.body.textContent = 'Connecting to Zoho…';
  } catch {
    // A blank popup is same-origin; if the browser says otherwise the text is only cosmetic.
  }
  setSigningIn(true);
  reportSignIn('Complete the sign-in in the Zoho window.');
  const redirectUrl = `${location.origin}/redirect.html`;
  let login;
  try {
    login = (await gql('Login', { redirectUrl })).login;
  } catch (err) {
    popup.close();
    setSigningIn(false);
    reportSignIn('');
    showError(err, startSignIn);
    return;
  }
  state.signIn = { state: login.state, redirectUrl, popup, timer: null };
  if (!popup.closed) popup.location.href = login.url; // closed meanwhile: the check below reports it
  // A popup closed by the user sends no message; notice it instead of waiting forever.
  state.signIn.timer = setInterval(() => {
    if (state.signIn && state.signIn.popup.closed) {
      // redirect.html posts before it closes; give that message a moment to arrive first.
      setTimeout(() => {
        if (state.signIn && state.signIn.popup.closed) {
          finishSignIn();
          reportSignIn('The Zoho window was closed before sign-in finished. Choose Sign in with Zoho to try again.', true);
        }
      }, 400);
    }
  }, 500);
}

function finishSignIn() {
  if (state.signIn) clearInterval(state.signIn.timer);
  state.signIn = null;
  setSigningIn(false);
}

async function onOAuthMessage(event) {
  // Only redirect.html on our own origin may answer, and only for the sign-in we started.
  if (event.origin !== location.origin) return;
  const msg = event.data;
  if (!msg || msg.type !== 'zoho-oauth' || !state.signIn) return;
  const pending = state.signIn;
  if (msg.state !== pending.state) {
    finishSignIn();
    reportSignIn('The answer from Zoho did not match this sign-in, so it was ignored. Please sign in again.', true);
    return;
  }
  finishSignIn();
  if (msg.error) {
    reportSignIn(msg.error === 'access_denied'
      ? 'You declined access in Zoho, so you are not signed in. Choose Sign in with Zoho to try again.'
      : `Zoho could not sign you in (${msg.error}). Choose Sign in with Zoho to try again.`, true);
    return;
  }
  if (!msg.code) {
    reportSignIn('Zoho sent no authorization code. Choose Sign in with Zoho to try again.', true);
    return;
  }
  reportSignIn('Signing you in…');
  try {
    const data = await gql('Initialize', {
      code: msg.code,
      state: msg.state,
      redirectUrl: pending.redirectUrl,
      location: msg.location || null,
      accountsServer: msg.accountsServer || null,
    });
    reportSignIn('');
    signedIn(data.initialize, true);
  } catch (err) {
    reportSignIn('Signing in failed. Choose Sign in with Zoho to try again.', true);
    showError(err);
  }
}

async function signOut() {
  const button = $('sign-out');
  button.disabled = true;
  // Closed first: the gateway ends the session's sockets with 4401, which must not read as "ended elsewhere".
  stopLive();
  try {
    await gql('Logout');
  } catch (err) {
    // The cookie may already be gone (UNAUTHENTICATED): the user is signed out either way.
    if (!(err instanceof ApiError) || err.code !== 'UNAUTHENTICATED') {
      button.disabled = false;
      startLive();
      showError(err, signOut);
      return;
    }
  }
  button.disabled = false;
  hideBanner();
  showSignedOut('You are signed out.', { forget: true });
  $('signin-title').focus();
}

// ---- The student table ----------------------------------------------------------------------------------

/**
 * Loads the list asked for (state.list). Once it is shown, the URL names it: `how` is 'push' after a user's
 * action (so Back returns to the list before it) and 'replace' when the list came from the URL itself.
 */
async function loadStudents(how = 'push') {
  const seq = ++state.listSeq;
  const list = { ...state.list };
  const request = studentsRequest(list);
  if (request.error) {
    showSearchError(request.error);
    // A URL's search that cannot be run (a link with one letter, say): show its list without the search.
    if (!state.shown) unsearchable(list, how);
    else state.list = { ...state.shown };
    return;
  }
  setLoading(true);
  try {
    const page = (await gql('Students', request.variables, { optional: ['totalCount'] })).leads;
    if (seq !== state.listSeq) return; // a newer request superseded this one
    state.shown = list;
    Object.assign(state, withRecentChanges(page.nodes, page.pageInfo));
    showNewStudentsNote(false); // what was added is in this answer, if it belongs to this list
    rememberInUrl(list, how);
    renderStudents();
  } catch (err) {
    if (seq !== state.listSeq) return;
    // The table still shows what it showed before: the pager, the selects and the Clear button must say so.
    // With nothing shown, they name the list asked for, and so do the URL and Try again: one list, not three.
    if (state.shown) state.list = { ...state.shown };
    else rememberInUrl(list, 'replace');
    syncListControls(state.list);
    setLoading(false);
    if (list.q && (!state.shown || list.q !== state.shown.q) && err instanceof ApiError && err.code === 'BAD_USER_INPUT') {
      showSearchError(err.message); // the gateway refused the search terms: say so at the search box
      if (state.shown) renderStudents();
      else unsearchable(list, how);
      return;
    }
    $('list-status').textContent = 'Students could not be loaded.';
    showError(err, () => {
      state.list = list;
      syncListControls(list);
      loadStudents(how);
    });
  }
}

/** Loads `list` without its search, whose error the search box shows; the search text stays there to fix. */
function unsearchable(list, how) {
  state.list = { ...list, q: '' };
  syncListControls(state.list);
  loadStudents(how);
}

/** Makes the URL name `list`: a new history entry for 'push', the current one rewritten for 'replace'. */
function rememberInUrl(list, how) {
  const url = `${location.pathname}${urlOfList(list)}${location.hash}`;
  if (url === `${location.pathname}${location.search}${location.hash}`) return;
  if (how === 'push') history.pushState(null, '', url);
  else history.replaceState(null, '', url);
}

/** Asks for `changes` to the list (back to its first page unless `changes` names a page), and loads it. */
function changeList(changes) {
  state.list = { ...state.list, page: 1, ...changes };
  return loadStudents('push');
}

function setLoading(loading) {
  state.loading = loading;
  $('table-wrap').setAttribute('aria-busy', String(loading));
  $('table-wrap').classList.toggle('is-loading', loading);
  if (loading) {
    $('list-status').textContent = state.list.q ? 'Searching…' : 'Loading students…';
    if (state.rows.length === 0) {
      $('empty-state').hidden = true;
      $('table-wrap').hidden = false;
      renderSkeleton();
    }
  }
  updatePager();
}

function renderSkeleton() {
  const body = $('students-body');
  body.replaceChildren();
  for (let i = 0; i < 5; i += 1) {
    const tr = document.createElement('tr');
    tr.className = 'skeleton-row';
    tr.setAttribute('aria-hidden', 'true');
    for (let c = 0; c < 9; c += 1) {
      const td = document.createElement('td');
      td.append(Object.assign(document.createElement('span'), { className: 'skeleton' }));
      tr.append(td);
    }
    body.append(tr);
  }
}

const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

/** A <time> showing the day, with the time of day under it. */
function timeElement(value) {
  const el = document.createElement('time');
  el.dateTime = value;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    el.textContent = value;
    return el;
  }
  const day = Object.assign(document.createElement('span'), { className: 'day', textContent: dayFormat.format(date) });
  const time = Object.assign(document.createElement('span'), { className: 'clock', textContent: timeFormat.format(date) });
  el.append(day, ' ', time);
  return el;
}

function cell(label, content, className) {
  const td = document.createElement('td');
  td.dataset.label = label;
  if (className) td.className = className;
  if (content instanceof Node) td.append(content);
  else td.textContent = content || '';
  if (!content) td.classList.add('is-empty');
  return td;
}

function studentName(s) {
  return s.fullName || [s.firstName, s.lastName].filter(Boolean).join(' ') || 'Unnamed student';
}

/** The table row of student `s`. */
function studentRow(s) {
  const tr = document.createElement('tr');
  tr.dataset.id = s.id;
  const name = document.createElement('span');
  name.className = 'student-name';
  name.textContent = studentName(s);
  tr.append(cell('Name', name, 'col-name'));
  tr.append(cell('College', s.company));
  tr.append(cell('Course', s.course === PICKLIST_NONE ? '' : s.course));
  tr.append(cell('Status', s.leadStatus === PICKLIST_NONE ? '' : s.leadStatus, 'col-status'));
  let email = '';
  if (s.email) {
    // A line may break before the @ rather than inside the address.
    email = document.createElement('a');
    email.href = `mailto:${s.email}`;
    const at = s.email.indexOf('@');
    if (at > 0) email.append(s.email.slice(0, at), document.createElement('wbr'), s.email.slice(at));
    else email.textContent = s.email;
  }
  tr.append(cell('Email', email, 'col-email'));
  tr.append(cell('Phone', s.phone, 'col-phone'));
  tr.append(cell('Owner', s.owner ? s.owner.name : '', 'col-owner'));
  tr.append(cell('Modified', s.modifiedTime ? timeElement(s.modifiedTime) : '', 'col-modified'));
  const actions = document.createElement('td');
  actions.className = 'col-actions';
  // Each button names its student for screen readers, and is handed to its dialog to return focus to.
  const rowButton = (label, extraClass, open) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = `btn btn-small${extraClass}`;
    button.textContent = label;
    button.setAttribute('aria-label', `${label} ${studentName(s)}`);
    button.addEventListener('click', () => open(s, button));
    return button;
  };
  actions.append(rowButton('Edit', '', openEditForm), rowButton('Delete', ' btn-ghost-danger', askDelete));
  tr.append(actions);
  return tr;
}

function renderStudents() {
  setLoading(false);
  const body = $('students-body');
  body.replaceChildren();
  for (const s of state.rows) {
    const tr = studentRow(s);
    if (s.id === state.highlightId) tr.classList.add('is-new');
    flashIfChanged(tr);
    body.append(tr);
  }
  state.highlightId = null;

  const info = state.pageInfo;
  const list = state.shown;
  const filtered = Boolean(list.course || list.status);
  const empty = state.rows.length === 0;
  $('empty-state').hidden = !empty;
  $('table-wrap').hidden = empty;
  if (empty) {
    if (list.q) {
      $('empty-title').textContent = `No students match “${list.q}”${filtered ? ' with these filters' : ''}.`;
      $('empty-text').textContent = filtered
        ? 'Check the spelling, choose All courses or All statuses, or clear the search.'
        : 'Check the spelling, search by email or phone, or clear the search.';
    } else if (list.page > 1) {
      $('empty-title').textContent = 'No more students.';
      $('empty-text').textContent = 'This page is past the last student. Go back to the previous page.';
    } else if (filtered) {
      $('empty-title').textContent = 'No students match these filters.';
      $('empty-text').textContent = 'Choose All courses or All statuses to see more students.';
    } else {
      $('empty-title').textContent = 'No students yet.';
      $('empty-text').textContent = 'Students you add, or that your CRM role lets you see, appear here.';
    }
  }
  $('list-status').textContent = rangeText(list, info, state.rows.length);
  $('table-caption').textContent = list.q ? `Students matching “${list.q}”` : 'Students';
  const sorted = SORT_HEADERS[list.sort];
  for (const id of Object.values(SORT_HEADERS)) {
    $(id).setAttribute('aria-sort', id === sorted ? (list.dir === 'asc' ? 'ascending' : 'descending') : 'none');
  }
  updatePager();
}

// The column heading that names each sort (aria-sort); sorting by created time has no column.
const SORT_HEADERS = { lastName: 'name-header', course: 'course-header', modifiedTime: 'modified-header' };
const numberFormat = new Intl.NumberFormat('en');

/**
 * The line above the table: "1–25 of 312 students", the search it shows, or (without a total: counting failed)
 * the range alone and whether more follow.
 */
function rangeText(list, info, shown) {
  const total = typeof info.totalCount === 'number' ? info.totalCount : null;
  const first = (info.page - 1) * info.perPage + 1;
  const last = first + shown - 1;
  const lead = list.q ? `Search for “${list.q}”: ` : '';
  if (total !== null) {
    const noun = total === 1 ? 'student' : 'students';
    if (!shown) return `${lead}${total ? `none on this page; ${numberFormat.format(total)} ${noun} in all` : `0 ${noun}`}.`;
    const range = shown === 1 ? numberFormat.format(first) : `${numberFormat.format(first)}–${numberFormat.format(last)}`;
    return `${lead}${range} of ${numberFormat.format(total)} ${noun}`;
  }
  const range = shown ? `${first}–${last}` : 'none';
  return list.q
    ? `${lead}showing ${range}${info.hasMore ? ', more on the next page' : ''}.`
    : `Showing students ${range}${info.hasMore ? ', more on the next page' : ''}.`;
}

function updatePager() {
  const info = state.pageInfo;
  const { page } = state.list;
  $('prev-page').disabled = state.loading || page <= 1;
  $('next-page').disabled = state.loading || !info || !info.hasMore;
  const total = info && typeof info.totalCount === 'number' ? info.totalCount : null;
  const pages = total && state.shown ? Math.ceil(total / state.shown.perPage) : null;
  $('page-label').textContent = pages && page <= pages ? `Page ${page} of ${pages}` : `Page ${page}`;
  $('pager').hidden = !info || (page === 1 && !info.hasMore);
  $('search-clear').hidden = !state.list.q;
}

/** Sets the sort, page size and filter selects to `list` (the search box is left as the user typed it). */
function syncListControls(list) {
  $('sort-select').value = `${SORTS[list.sort][0]}:${list.dir.toUpperCase()}`;
  $('per-page-select').value = String(list.perPage);
  renderFilters(list);
}

/** Fills the course and status filters from the org's picklists, each showing the filter in force. */
function renderFilters(list = state.list) {
  const fill = (select, allLabel, options, current) => {
    select.replaceChildren(...filterChoices(allLabel, options, current).map((c) => new Option(c.label, c.value)));
    select.value = current;
  };
  fill($('course-filter'), 'All courses', state.courses.options, list.course);
  fill($('status-filter'), 'All statuses', state.courses.leadStatuses, list.status);
}

function goToPage(page, focusTarget) {
  changeList({ page }).then(() => {
    // Keep focus on the pager button the user pressed unless it became disabled.
    const target = $(focusTarget);
    if (target.disabled) $('students-title').focus();
  });
}

function onSearch(event) {
  event.preventDefault();
  const text = $('search-input').value;
  if (!text.trim()) {
    clearSearch();
    return;
  }
  const parsed = searchFor(text);
  if (parsed.error) {
    showSearchError(parsed.error);
    return;
  }
  resetSearchHint();
  changeList({ q: text.trim() });
}

function showSearchError(message) {
  $('search-hint').textContent = message;
  $('search-hint').classList.add('hint-error');
  $('search-input').setAttribute('aria-invalid', 'true');
  $('search-input').focus();
}

function resetSearchHint() {
  $('search-hint').textContent = 'An email address or phone number finds that student; other text finds words in names, colleges and courses (at least 2 characters).';
  $('search-hint').classList.remove('hint-error');
  $('search-input').removeAttribute('aria-invalid');
}

function clearSearch() {
  resetSearchHint();
  $('search-input').value = '';
  if (state.list.q) changeList({ q: '' });
  $('search-input').focus();
}

// ---- Add and edit ---------------------------------------------------------------------------------------

/**
 * Asks the gateway for the Leads metadata once per sign-in; a failure leaves the form usable (a text box) and
 * the filters offering only "All" and the filter in force.
 */
async function loadCourseOptions() {
  const seq = ++state.courses.seq;
  if (state.courses.status === 'idle') state.courses.status = 'loading'; // after a failure the text box stays
  let status = 'failed';
  let options = null;
  let leadStatuses = null;
  let labels = {};
  let rules = state.courses.rules;
  try {
    const module = (await gql('StudentModule')).crmModule;
    if (module) rules = fieldRules(module);
    applyLengthLimits(rules);
    options = coursePicklist(module);
    leadStatuses = picklistOptions(module, 'leadStatus');
    status = options ? 'ready' : (module ? 'text' : 'failed');
    if (module) for (const f of module.fields) labels[f.graphqlName] = f.label;
  } catch {
    // Reported by the hint under the course field; opening the form tries again.
  }
  if (seq !== state.courses.seq) return; // signed out meanwhile, or a newer request
  state.courses = { status, options, leadStatuses, labels, rules, seq };
  renderFilters();
  if ($('student-dialog').open) renderCourseControl($('f-course').value);
}

const COURSE_HINT = {
  loading: 'Loading the course list…',
  failed: 'The course list could not be loaded, so type the course as it is named in Zoho CRM.',
};

/**
 * Makes the course control a <select> of the org's courses (or, with no course list, a text box) showing
 * `current`. A <select> keeps a `current` that is not one of the options as an extra choice.
 */
function renderCourseControl(current) {
  const { status, options } = state.courses;
  const asText = status === 'failed' || status === 'text';
  let control = $('f-course');
  if (control.tagName !== (asText ? 'INPUT' : 'SELECT')) {
    const next = document.createElement(asText ? 'input' : 'select');
    for (const attr of ['id', 'name', 'aria-describedby', 'aria-invalid']) {
      if (control.hasAttribute(attr)) next.setAttribute(attr, control.getAttribute(attr));
    }
    if (asText) Object.assign(next, { autocomplete: 'off', maxLength: 255 });
    const focused = document.activeElement === control;
    control.replaceWith(next);
    control = next;
    if (focused) control.focus();
  }
  if (!asText) {
    control.replaceChildren(...courseChoices(options, current).map((c) => new Option(c.label, c.value)));
  }
  control.value = current || '';
  const hint = COURSE_HINT[status] || '';
  $('course-hint').textContent = hint;
  $('course-hint').hidden = !hint;
}

/** What the form shows for a student's field ('' for none; Zoho's -None- course is no course). */
function shownValue(student, field) {
  const value = (student && student[field]) || '';
  return field === 'course' && value === PICKLIST_NONE ? '' : value;
}

function clearFieldErrors() {
  $('form-error').textContent = '';
  for (const f of STUDENT_INPUTS) {
    $(`e-${f}`).textContent = '';
    $(`f-${f}`).removeAttribute('aria-invalid');
  }
}

/**
 * Puts every message next to its field (all of them: the gateway reports every bad field at once); messages
 * for fields the form lacks, and `others` (messages naming no field), go to the form-level message. Focuses the
 * first bad field in form order.
 */
function showFieldErrors(errors, others = []) {
  let first = null;
  const loose = [];
  for (const [field, message] of Object.entries(errors)) {
    if (STUDENT_INPUTS.includes(field)) {
      $(`e-${field}`).textContent = message;
      $(`f-${field}`).setAttribute('aria-invalid', 'true');
      if (!first || STUDENT_INPUTS.indexOf(field) < STUDENT_INPUTS.indexOf(first)) first = field;
    } else {
      loose.push(`${state.courses.labels[field] || field}: ${message}`);
    }
  }
  const count = Object.keys(errors).length - loose.length;
  const summary = count ? `Please correct ${count === 1 ? 'the field' : `${count} fields`} marked below.` : '';
  $('form-error').textContent = [summary, ...loose, ...others].filter(Boolean).join(' ');
  if (first) $(`f-${first}`).focus();
}

function formValues() {
  const values = {};
  for (const f of STUDENT_INPUTS) values[f] = $(`f-${f}`).value.trim();
  return values;
}

function openForm(student, opener) {
  state.editing = student;
  state.editingGone = false;
  state.lastFocus = opener;
  clearFieldErrors();
  showFormNotice('');
  $('student-dialog-title').textContent = student ? `Edit ${studentName(student)}` : 'Add student';
  $('student-save').textContent = student ? 'Save changes' : 'Add student';
  if (state.courses.status === 'failed') loadCourseOptions(); // the list may load now
  renderCourseControl(shownValue(student, 'course'));
  for (const f of STUDENT_INPUTS) $(`f-${f}`).value = shownValue(student, f);
  setFormBusy(false);
  $('student-dialog').showModal();
  $('f-firstName').focus();
}

async function openEditForm(row, opener) {
  // Edit what Zoho has now, not what the table loaded a while ago.
  opener.disabled = true;
  try {
    const { lead } = await gql('Student', { id: row.id });
    if (!lead) {
      showError(new ApiError('NOT_FOUND', 'not found'), loadStudents);
      return;
    }
    openForm(lead, opener);
  } catch (err) {
    showError(err, () => openEditForm(row, opener));
  } finally {
    opener.disabled = false;
  }
}

function closeForm() {
  $('student-dialog').close();
}

function setFormBusy(busy) {
  state.formBusy = busy;
  $('student-save').disabled = busy || state.editingGone;
  $('student-save').setAttribute('aria-busy', String(busy));
  $('student-form').classList.toggle('is-busy', busy);
}

async function onSaveStudent(event) {
  event.preventDefault();
  clearFieldErrors();
  const values = formValues();
  const errors = validateStudent(values, state.courses.rules);
  if (Object.keys(errors).length) {
    showFieldErrors(errors);
    return;
  }
  const editing = state.editing;
  setFormBusy(true);
  try {
    let saved;
    if (editing) {
      // Send only what changed; an emptied field is sent as null so Zoho clears it.
      const input = {};
      for (const f of STUDENT_INPUTS) {
        const before = shownValue(editing, f);
        if (values[f] !== before) input[f] = values[f] === '' ? null : values[f];
      }
      if (Object.keys(input).length === 0) {
        closeForm();
        toast('No changes to save.');
        return;
      }
      saved = (await gql('UpdateStudent', { id: editing.id, input })).updateLead;
    } else {
      const input = {};
      for (const f of STUDENT_INPUTS) if (values[f] !== '') input[f] = values[f];
      saved = (await gql('CreateStudent', { input })).createLead;
      state.live.ownIds.add(saved.id);
    }
    closeForm();
    toast(editing ? `Saved changes to ${studentName(saved)}.` : `Added ${studentName(saved)}.`);
    state.highlightId = saved.id;
    if (!editing && !state.list.q) state.list = { ...state.list, page: 1 };
    loadStudents();
  } catch (err) {
    setFormBusy(false);
    if (err instanceof ApiError && err.code === 'BAD_USER_INPUT') {
      showFieldErrors(err.fields, Object.keys(err.fields).length || err.others.length ? err.others : [err.message]);
    } else if (err instanceof ApiError && (err.code === 'UNAUTHENTICATED' || err.code === 'RATE_LIMITED'
      || err.code === 'UPSTREAM_UNAVAILABLE')) {
      // Keep the dialog and what was typed; the banner explains, and saving again retries.
      $('form-error').textContent = `${BANNER_TEXT[err.code]} What you typed is kept.`;
      showError(err);
    } else {
      $('form-error').textContent = BANNER_TEXT[err.code] || err.message;
    }
  } finally {
    setFormBusy(false);
  }
}

// ---- Delete ---------------------------------------------------------------------------------------------

function askDelete(student, opener) {
  state.deleting = student;
  state.lastFocus = opener;
  $('confirm-text').textContent = `${studentName(student)}${student.email ? ` (${student.email})` : ''} will be deleted from Zoho CRM. This cannot be undone here.`;
  $('confirm-delete').disabled = false;
  $('confirm-dialog').showModal();
  $('confirm-cancel').focus(); // the safe choice has focus
}

async function confirmDelete() {
  const student = state.deleting;
  if (!student) return;
  $('confirm-delete').disabled = true;
  try {
    await gql('DeleteStudent', { id: student.id });
    state.live.ownIds.add(student.id); // its DELETED is no news either
    state.lastFocus = $('students-title');
    $('confirm-dialog').close();
    toast(`Deleted ${studentName(student)}.`);
    // Going back a page when the last row of a page was deleted avoids an empty page (the emptied page's
    // URL is replaced, so Back does not lead to it either).
    if (state.rows.length === 1 && state.list.page > 1) state.list = { ...state.list, page: state.list.page - 1 };
    loadStudents('replace');
  } catch (err) {
    $('confirm-dialog').close();
    showError(err, loadStudents);
  }
}

// ---- Live updates ---------------------------------------------------------------------------------------
//
// The LeadChanged subscription runs while someone is signed in. An edit of a student on this page refreshes
// the row where it is, highlighted for a moment; a deletion removes the row (and the page is loaded again
// to close the gap when more students follow); an addition only puts up a note with a Refresh button: where
// a new student belongs in a sorted, filtered, paged list is the gateway's to say, and a list that grows by
// itself under the reader loses their place. Changes to students not on this page change nothing here.
// While a dialog is open nothing moves: changes wait and apply when it closes, and a change to the student
// being edited is told in the form, never written over what the user typed.

const LIVE_TEXT = {
  connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', ended: 'Not live', off: 'Not live',
};
const LIVE_TITLE = {
  connecting: 'Connecting for live updates.',
  live: 'Changes made anywhere, in Zoho CRM too, appear in this list as they happen.',
  reconnecting: 'The connection for live updates was lost; trying again.',
  ended: 'Live updates stopped: your session has ended.',
  off: 'Live updates are not available.',
};
// How long a changed row stays highlighted (the CSS fade lasts as long).
const FLASH_MS = 1500;
// Past this many changes held back behind a dialog, the page is loaded again when it closes instead.
const MAX_HELD_BACK = 100;
// How long a change is held against list answers that were already on their way when it arrived.
const RECENT_MS = 30000;
// Deletions close their gap with one load of the page once a burst of them is over.
const REFILL_DELAY_MS = 1000;

function startLive() {
  stopLive();
  if (typeof WebSocket === 'undefined') return;
  state.live.client = openLive('LeadChanged', {}, {
    onData: onLiveData,
    onStatus: onLiveStatus,
    sessionGone: async () => {
      try {
        return !(await gql('Me')).me;
      } catch {
        return false; // an unreachable gateway has not signed anyone out
      }
    },
  });
}

function stopLive() {
  const { live } = state;
  if (live.client) live.client.stop();
  live.client = null;
  live.queue = [];
  live.reloadOnClose = false;
  live.recent.clear();
  live.flash.clear();
  clearTimeout(live.reloadTimer);
  live.reloadTimer = null;
  showNewStudentsNote(false);
  setLiveStatus('off');
}

function setLiveStatus(status) {
  const indicator = $('live-status');
  if (indicator.dataset.state === status) return; // a screen reader hears each change once
  indicator.dataset.state = status;
  indicator.title = LIVE_TITLE[status];
  $('live-text').textContent = LIVE_TEXT[status];
}

function onLiveStatus(status, { resumed }) {
  setLiveStatus(status);
  // Changes made while the connection was down were never sent: the page is loaded again.
  if (status === 'live' && resumed) reloadQuietly();
  if (status === 'ended' && state.session) showError(new ApiError('UNAUTHENTICATED', 'The session has ended.'));
}

function onLiveData(payload) {
  const change = payload && payload.data && payload.data.leadChanged;
  // Without data (payload.errors: the gateway could not read the record) the next load shows the change.
  if (change && change.id) receiveChange(change);
}

function receiveChange(change) {
  state.live.recent.set(change.id, { change, at: Date.now() });
  if (dialogOpen()) holdBack(change);
  else applyChange(change);
}

function dialogOpen() {
  return $('student-dialog').open || $('confirm-dialog').open;
}

function holdBack(change) {
  const { live } = state;
  noticeInForm(change);
  if (live.reloadOnClose) return;
  if (live.queue.length >= MAX_HELD_BACK) {
    live.queue = [];
    live.reloadOnClose = true;
    return;
  }
  live.queue.push(change);
}

/** When a dialog closes: the changes that arrived while it was open, in order (or one load of the page). */
function applyHeldBackChanges() {
  const { live } = state;
  if (dialogOpen()) return;
  const held = live.queue;
  live.queue = [];
  if (live.reloadOnClose) {
    live.reloadOnClose = false;
    reloadQuietly();
    return;
  }
  for (const change of held) applyChange(change);
}

function applyChange(change) {
  const { operation, id, lead } = change;
  const index = state.rows.findIndex((r) => r.id === id);
  if (operation === 'CREATED') {
    if (index < 0 && !state.live.ownIds.has(id)) showNewStudentsNote(true);
    return;
  }
  if (index < 0) return; // not on this page: where it belongs now is the next load's to say
  // This tab's own deletion is loading the page again already (confirmDelete).
  const own = state.live.ownIds.has(id);
  if (operation === 'DELETED') removeRow(index, { quiet: own || change.quiet, refill: !own });
  else if (operation === 'UPDATED' && lead) updateRow(index, lead);
  else if (operation === 'UPDATED') refreshRow(id);
}

function rowElement(id) {
  return [...$('students-body').children].find((tr) => tr.dataset.id === id) || null;
}

/** Whether two StudentFields objects say the same (field by field: an event's keys may come in another order). */
function sameStudent(a, b) {
  const fields = ['id', 'firstName', 'lastName', 'fullName', 'email', 'phone', 'company', 'course', 'leadStatus', 'modifiedTime'];
  const owner = (s) => (s.owner ? `${s.owner.id}\n${s.owner.name}` : '');
  return fields.every((f) => (a[f] ?? null) === (b[f] ?? null)) && owner(a) === owner(b);
}

function updateRow(index, lead) {
  // The portal's own save reaches it too, usually after the list was loaded again: nothing to show then.
  if (sameStudent(state.rows[index], lead)) return;
  state.rows[index] = lead;
  state.live.flash.set(lead.id, Date.now() + FLASH_MS);
  const old = rowElement(lead.id);
  if (!old) return;
  const tr = studentRow(lead);
  tr.classList.toggle('is-new', old.classList.contains('is-new'));
  flashIfChanged(tr);
  // Keyboard focus, and the way back to it when a dialog closes, stay on the same button of the new row.
  const before = [...old.querySelectorAll('button')];
  const after = [...tr.querySelectorAll('button')];
  const focused = before.indexOf(document.activeElement);
  const remembered = before.indexOf(state.lastFocus);
  old.replaceWith(tr);
  if (focused >= 0) after[focused].focus();
  if (remembered >= 0) state.lastFocus = after[remembered];
}

/** An update that came without the record (the gateway could not read it): read it, or drop the row. */
async function refreshRow(id) {
  try {
    const { lead } = await gql('Student', { id });
    if (state.rows.some((r) => r.id === id)) receiveChange(lead ? { operation: 'UPDATED', id, lead } : { operation: 'DELETED', id, lead: null, quiet: true });
  } catch {
    // The row stays as it is; the next load shows the change.
  }
}

/** Highlights row `tr` for what is left of its student's flash, the fade starting where it had got to. */
function flashIfChanged(tr) {
  const { id } = tr.dataset;
  const left = (state.live.flash.get(id) || 0) - Date.now();
  if (left <= 0) {
    state.live.flash.delete(id);
    return;
  }
  tr.classList.add('is-live-updated');
  tr.style.animationDelay = `${left - FLASH_MS}ms`;
  setTimeout(() => {
    tr.classList.remove('is-live-updated');
    tr.style.animationDelay = '';
  }, left);
}

function removeRow(index, { quiet = false, refill = true } = {}) {
  const [gone] = state.rows.splice(index, 1);
  const tr = rowElement(gone.id);
  if (tr) {
    if (tr.contains(document.activeElement)) $('students-title').focus();
    tr.remove();
  }
  const info = state.pageInfo;
  if (info && typeof info.totalCount === 'number') state.pageInfo = { ...info, totalCount: Math.max(0, info.totalCount - 1) };
  if (!quiet) toast(`${studentName(gone)} was deleted.`);
  if (!state.rows.length) {
    renderStudents(); // the empty state says why, until the page is loaded again
  } else {
    $('list-status').textContent = rangeText(state.shown, state.pageInfo, state.rows.length);
    updatePager();
  }
  // The students after this page moved up by one: load the page again, or Next would skip one.
  if (refill && (!state.rows.length || (state.pageInfo && state.pageInfo.hasMore))) {
    clearTimeout(state.live.reloadTimer);
    state.live.reloadTimer = setTimeout(reloadQuietly, REFILL_DELAY_MS);
  }
}

/**
 * Loads the page shown again without a loading state or an error banner (a failure leaves the table as it
 * is: the next action of the user loads it and reports). Waits for an open dialog to close, and leaves it to
 * a load already on its way, which is newer than the change.
 */
async function reloadQuietly() {
  clearTimeout(state.live.reloadTimer);
  state.live.reloadTimer = null;
  if (!state.session || !state.shown || state.loading) return;
  if (dialogOpen()) {
    state.live.reloadOnClose = true;
    return;
  }
  const list = { ...state.shown };
  if (!state.rows.length && list.page > 1) list.page -= 1; // emptied by deletions: the page before it
  const request = studentsRequest(list);
  if (request.error) return;
  const seq = ++state.listSeq;
  try {
    const page = (await gql('Students', request.variables, { optional: ['totalCount'] })).leads;
    if (seq !== state.listSeq) return;
    if (dialogOpen()) {
      state.live.reloadOnClose = true;
      return;
    }
    const focusedRow = document.activeElement && document.activeElement.closest('#students-body tr');
    const focusedButton = focusedRow ? [...focusedRow.querySelectorAll('button')].indexOf(document.activeElement) : -1;
    state.list = list;
    state.shown = list;
    Object.assign(state, withRecentChanges(page.nodes, page.pageInfo));
    showNewStudentsNote(false);
    rememberInUrl(list, 'replace');
    renderStudents();
    const row = focusedRow && rowElement(focusedRow.dataset.id);
    if (row && focusedButton >= 0) row.querySelectorAll('button')[focusedButton].focus();
    else if (focusedRow) $('students-title').focus();
  } catch {
    // See above: the table keeps what it shows.
  }
}

/**
 * A list answer's rows and pageInfo with the changes of the last RECENT_MS applied: an answer that was on its
 * way when a change arrived may predate it (a deleted student coming back, an edit undone on screen).
 */
function withRecentChanges(nodes, pageInfo) {
  const now = Date.now();
  let rows = nodes;
  let removed = 0;
  for (const [id, { change, at }] of state.live.recent) {
    if (now - at > RECENT_MS) {
      state.live.recent.delete(id);
      continue;
    }
    const index = rows.findIndex((r) => r.id === id);
    if (index < 0) continue;
    if (change.operation === 'DELETED') {
      rows = rows.filter((r) => r.id !== id);
      removed += 1;
    } else if (change.operation === 'UPDATED' && change.lead
      && Date.parse(change.lead.modifiedTime) > Date.parse(rows[index].modifiedTime)) {
      rows = rows.map((r) => (r.id === id ? change.lead : r));
    }
  }
  if (removed && pageInfo && typeof pageInfo.totalCount === 'number') {
    pageInfo = { ...pageInfo, totalCount: Math.max(0, pageInfo.totalCount - removed) };
  }
  return { rows, pageInfo };
}

/** Shows (or takes down) the note that students were added, with its Refresh button. */
function showNewStudentsNote(show) {
  const note = $('live-note');
  if (!show) {
    if (note.contains(document.activeElement)) $('students-title').focus();
    note.replaceChildren();
    return;
  }
  if (note.childElementCount) return;
  const refresh = document.createElement('button');
  refresh.type = 'button';
  refresh.className = 'btn btn-small';
  refresh.textContent = 'Refresh';
  refresh.addEventListener('click', () => loadStudents('replace'));
  note.append('New students were added. ', refresh);
}

/**
 * In the open edit form, says what changed elsewhere in the student being edited. The form keeps what the
 * user typed, and saving sends only the fields the user changed (see onSaveStudent), so the other changes
 * stay; a deletion makes saving impossible.
 */
function noticeInForm(change) {
  const editing = state.editing;
  if (!$('student-dialog').open || !editing || change.id !== editing.id || state.formBusy) return;
  if (change.operation === 'DELETED') {
    state.editingGone = true;
    $('student-save').disabled = true;
    showFormNotice(`${studentName(editing)} was deleted elsewhere while you were editing, so these changes cannot be saved. What you typed is still here to copy.`);
    return;
  }
  if (change.operation !== 'UPDATED' || !change.lead) return;
  const changed = STUDENT_INPUTS.filter((f) => shownValue(change.lead, f) !== shownValue(editing, f));
  if (!changed.length) return;
  const what = changed.map((f) => {
    const value = shownValue(change.lead, f);
    return value ? `${FIELD_LABEL[f]} is now “${value}”` : `${FIELD_LABEL[f]} is now empty`;
  }).join('; ');
  showFormNotice(`This student was changed elsewhere while you were editing: ${what}. What you typed is kept; saving changes only the fields you changed here.`);
}

function showFormNotice(text) {
  $('form-notice').textContent = text;
}

// ---- Wiring ---------------------------------------------------------------------------------------------

function restoreFocus() {
  const target = state.lastFocus;
  state.lastFocus = null;
  state.editing = null;
  state.deleting = null;
  if (target && document.contains(target) && !target.disabled) target.focus();
  else $('students-title').focus();
}

function start() {
  window.addEventListener('message', onOAuthMessage);
  $('sign-in').addEventListener('click', startSignIn);
  $('sign-out').addEventListener('click', signOut);
  $('banner-dismiss').addEventListener('click', hideBanner);
  $('add-student').addEventListener('click', (e) => openForm(null, e.currentTarget));
  $('search-form').addEventListener('submit', onSearch);
  $('search-clear').addEventListener('click', clearSearch);
  $('sort-select').addEventListener('change', (e) => {
    // "LAST_NAME:ASC" -> sort=lastName&dir=asc
    const [field, direction] = e.target.value.split(':');
    const sort = Object.keys(SORTS).find((k) => SORTS[k][0] === field) || LIST_DEFAULTS.sort;
    changeList({ sort, dir: direction.toLowerCase() });
  });
  $('per-page-select').addEventListener('change', (e) => changeList({ perPage: Number(e.target.value) }));
  $('course-filter').addEventListener('change', (e) => changeList({ course: e.target.value }));
  $('status-filter').addEventListener('change', (e) => changeList({ status: e.target.value }));
  $('prev-page').addEventListener('click', () => goToPage(state.list.page - 1, 'prev-page'));
  $('next-page').addEventListener('click', () => goToPage(state.list.page + 1, 'next-page'));
  // Back and Forward: show the list the URL now names (signed out, the URL waits for the next sign-in).
  window.addEventListener('popstate', () => {
    if (state.view === 'students') showListFromUrl();
  });
  $('student-form').addEventListener('submit', onSaveStudent);
  $('student-cancel').addEventListener('click', closeForm);
  $('student-dialog').addEventListener('close', restoreFocus);
  $('confirm-cancel').addEventListener('click', () => $('confirm-dialog').close());
  $('confirm-delete').addEventListener('click', confirmDelete);
  $('confirm-dialog').addEventListener('close', restoreFocus);
  // After restoreFocus, so a row replaced by a held-back change hands its focus on (see replaceRow).
  $('student-dialog').addEventListener('close', applyHeldBackChanges);
  $('confirm-dialog').addEventListener('close', applyHeldBackChanges);
  window.addEventListener('online', () => state.live.client && state.live.client.retryNow());
  boot();
}

if (typeof document !== 'undefined' && document.getElementById('view-students')) start();
