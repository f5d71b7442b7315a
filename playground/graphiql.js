// Boots GraphiQL at /playground with no bundler: React 18's UMD builds and graphiql's UMD bundle are served
// by the gateway from playground/node_modules (installed by `npm ci` from the pinned package.json). Only when
// a local file is absent does the page fall back to the same pinned version on a public CDN.
'use strict';

/** Must equal playground/package.json (tests/browser/operations.test.mjs checks it). */
const PINNED = Object.freeze({ react: '18.3.1', 'react-dom': '18.3.1', graphiql: '3.8.3' });
globalThis.ZGW_GRAPHIQL_PINNED = PINNED;
const CDN = 'https://unpkg.com';

const STYLES = [['graphiql', 'graphiql.min.css']];
// Order matters: graphiql.min.js expects window.React and window.ReactDOM.
const SCRIPTS = [
  ['react', 'umd/react.production.min.js'],
  ['react-dom', 'umd/react-dom.production.min.js'],
  ['graphiql', 'graphiql.min.js'],
];

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

function load(tag, pkg, file, source) {
  const url = source === 'local' ? `/node_modules/${pkg}/${file}` : `${CDN}/${pkg}@${PINNED[pkg]}/${file}`;
  return new Promise((resolve, reject) => {
    const el = document.createElement(tag);
    if (tag === 'link') {
      el.rel = 'stylesheet';
      el.href = url;
    } else {
      el.src = url;
      el.async = false;
    }
    el.dataset.source = source;
    el.onload = () => resolve(source);
    el.onerror = () => {
      el.remove();
      reject(new Error(url));
    };
    document.head.append(el);
  });
}

/** Loads the local copy, or the CDN copy when the local one is missing. Returns which one was used. */
async function loadAsset(tag, pkg, file) {
  try {
    return await load(tag, pkg, file, 'local');
  } catch {
    console.warn(`graphiql: /node_modules/${pkg}/${file} is missing (run npm ci in playground/); using the CDN`);
    return load(tag, pkg, file, 'cdn');
  }
}

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

async function boot() {
  const sources = await Promise.all(STYLES.map(([pkg, file]) => loadAsset('link', pkg, file)));
  for (const [pkg, file] of SCRIPTS) sources.push(await loadAsset('script', pkg, file));
  document.documentElement.dataset.assets = sources.every((s) => s === 'local') ? 'local' : 'cdn';

  // ?query=...&variables=... open the page with that operation (handy for links in docs and for tests).
  const params = new URLSearchParams(window.location.search);
  const props = { fetcher, defaultQuery: DEFAULT_QUERY, shouldPersistHeaders: false };
  if (params.has('query')) props.query = params.get('query');
  if (params.has('variables')) props.variables = params.get('variables');

  const { React, ReactDOM, GraphiQL } = window;
  const logo = React.createElement(GraphiQL.Logo, null,
    React.createElement('a', { href: '/', style: { color: 'inherit', textDecoration: 'none' } }, 'zoho-gateway'));
  ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, props, logo));
}

// Without a DOM (the version check in tests/browser loads this file in Node) nothing runs.
if (typeof document !== 'undefined') {
  boot().catch((err) => {
    const box = document.getElementById('graphiql-boot');
    box.setAttribute('role', 'alert');
    box.textContent = `GraphiQL could not be loaded (${err.message}). Run "npm ci" in playground/ so the gateway can serve its assets, or allow access to ${CDN}.`;
  });
}
