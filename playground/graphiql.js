// Boots GraphiQL at /playground with no bundler: graphiql.html loads React 18's UMD builds and graphiql's
// UMD bundle from /vendor/ (committed, embedded in the gateway binary; see vendor/README.md) before this file.
'use strict';

const DEFAULT_QUERY = `# zoho-gateway GraphiQL. Sign in through the student portal (/) first:
# this page sends your session cookie with every request.
#
# Run with Ctrl-Enter; open the docs with the book icon on the left.

query FirstStudents {
  me { user { name } org { name } }
  leads(perPage: 5) {
    nodes { id fullName email company course owner { name } }
    pageInfo { page hasMore }
  }
}
`;

/** GraphQL over HTTP as the gateway wants it: POST, JSON, and the session cookie. */
async function fetcher(params) {
  const response = await fetch('/graphql', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify(params),
  });
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`HTTP ${response.status}: ${text.slice(0, 200) || 'empty response'}`);
  }
}

function boot() {
  const { React, ReactDOM, GraphiQL } = window;
  if (!React || !ReactDOM || !GraphiQL) throw new Error('its scripts under /vendor/ did not load');

  // ?query=...&variables=... open the page with that operation (handy for links in docs and for tests).
  const params = new URLSearchParams(window.location.search);
  const props = { fetcher, defaultQuery: DEFAULT_QUERY, shouldPersistHeaders: false };
  if (params.has('query')) props.query = params.get('query');
  if (params.has('variables')) props.variables = params.get('variables');
  const logo = React.createElement(GraphiQL.Logo, null,
    React.createElement('a', { href: '/', style: { color: 'inherit', textDecoration: 'none' } }, 'zoho-gateway'));
  ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, props, logo));
}

// Without a DOM (the version check in tests/browser loads this file in Node) nothing runs.
if (typeof document !== 'undefined') {
  try {
    boot();
  } catch (err) {
    const box = document.getElementById('graphiql-boot');
    box.setAttribute('role', 'alert');
    box.textContent = `GraphiQL could not be loaded: ${err.message}.`;
  }
}
