// Recipe: live updates (GraphQL subscriptions) with the portal's generated LeadChanged subscription, two ways:
//   1. Apollo Client: subscriptions over a WebSocket (GraphQLWsLink + graphql-ws, the graphql-transport-ws
//      subprotocol), queries and mutations over HTTP, split by operation type;
//   2. urql: subscriptions over Server-Sent Events (subscriptionExchange + graphql-sse, distinct-connections
//      mode: a POST /graphql with Accept: text/event-stream), the rest over fetchExchange.
// Each part signs in as a sandbox demo user, subscribes, creates a lead over HTTP and receives its CREATED event,
// deletes it and receives DELETED (lead: null), then disposes its clients. An event that does not come within
// 5 s fails the recipe, which exits non-zero on the first failed check.
//   ZGW_GATEWAY_URL=http://127.0.0.1:8085 npx tsx recipes/subscriptions.ts      (clients/run.sh runs it)
// Part 1: Apollo Client, subscriptions over a WebSocket.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws'; // Node only
// Part 2: urql, subscriptions over Server-Sent Events.
import { cacheExchange, Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createSseClient } from 'graphql-sse';
// The recipes' sandbox helpers and the generated documents.
import type { Checks, SentRequest } from './lib/sandbox';
import { approveConsent, CookieJar, GATEWAY, REDIRECT_URL, runRecipe, uniqueLastName } from './lib/sandbox';
import {
  CreateStudentDocument,
  DeleteStudentDocument,
  InitializeDocument,
  LeadChangedDocument,
  LoginDocument,
} from '../src/gql/graphql';
import type { LeadChangedSubscription } from '../src/gql/graphql';

type LeadChange = LeadChangedSubscription['leadChanged'];

/** How long a change may take to reach the subscriber (a Zoho write, a re-read, the socket, on 2 busy cores). */
const ARRIVES_WITHIN = 5000;
/**
 * graphql-transport-ws and graphql-sse have no "subscribed" acknowledgement: the gateway registers a subscription
 * a moment after it arrives (it reads the session first). A portal does not care; a test that causes the change
 * itself must not beat the registration, so it waits this long after the connection is up.
 */
const REGISTERED_WITHIN = 500;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves after `ms`, or with `promise`'s value if that comes first: `undefined` means it timed out. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    promise.then(
      (value) => { clearTimeout(timer); resolve(value); },
      (error: unknown) => { clearTimeout(timer); reject(error); },
    );
  });
}

/** Whether `condition` holds within `ms` (checked every 20 ms). */
async function until(condition: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; !condition(); await sleep(20)) {
    if (Date.now() > end) return false;
  }
  return true;
}

/** The changes one subscription delivered (a portal would update its list instead), and a way to wait for one. */
class Changes {
  readonly events: LeadChange[] = [];
  errors: unknown[] = [];
  private waiters: { test: (e: LeadChange) => boolean; resolve: (e: LeadChange) => void }[] = [];

  push = (event: LeadChange): void => {
    this.events.push(event);
    for (const waiter of this.waiters.filter((w) => w.test(event))) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(event);
    }
  };

  fail = (error: unknown): void => {
    this.errors.push(error);
  };

  /** The first event (already received or still to come) that `test` accepts, or undefined after ARRIVES_WITHIN. */
  waitFor(test: (e: LeadChange) => boolean): Promise<LeadChange | undefined> {
    const seen = this.events.find(test);
    if (seen) return Promise.resolve(seen);
    return within(new Promise<LeadChange>((resolve) => this.waiters.push({ test, resolve })), ARRIVES_WITHIN);
  }

  /** What was received, for a failed check. */
  get detail(): unknown {
    return { events: this.events, errors: this.errors.map((e) => (e instanceof Error ? e.message : e)) };
  }
}

/**
 * The part both clients share: create a lead over HTTP, receive its CREATED event, delete it, receive DELETED.
 * Every event is matched by the new lead's id, so a change made by someone else cannot pass for it.
 */
async function createAndDelete(
  t: Checks,
  changes: Changes,
  recipe: string,
  via: string,
  createLead: (lastName: string) => Promise<{ id: string; lastName: string | null } | null | undefined>,
  deleteLead: (id: string) => Promise<string | null | undefined>,
): Promise<void> {
  const lastName = uniqueLastName(recipe);
  const lead = await createLead(lastName);
  t.ok(lead?.id && lead.lastName === lastName, `createLead over HTTP answers the new lead (${lastName})`, lead);
  const created = await changes.waitFor((e) => e.id === lead!.id);
  t.ok(created, `its change arrives ${via} within ${ARRIVES_WITHIN / 1000} s`, changes.detail);
  t.equal(created!.operation, 'CREATED', 'the change is a CREATED');
  t.equal(created!.lead?.id, lead!.id, 'the change carries the new lead');
  t.equal(created!.lead?.lastName, lastName, 'the lead in the change has the last name the recipe gave it');

  t.equal(await deleteLead(lead!.id), lead!.id, 'deleteLead over HTTP answers the deleted id');
  const deleted = await changes.waitFor((e) => e.id === lead!.id && e.operation !== 'CREATED');
  t.ok(deleted, `its deletion arrives ${via} within ${ARRIVES_WITHIN / 1000} s`, changes.detail);
  t.equal(deleted!.operation, 'DELETED', 'the change is a DELETED');
  t.equal(deleted!.lead, null, 'a DELETED change has lead: null');
  t.ok(changes.errors.length === 0, 'the subscription reported no errors', changes.detail);
}

// ==== 1. Apollo Client: subscriptions over a WebSocket ======================================================

async function apolloOverWebSocket(t: Checks): Promise<void> {
  const jar = new CookieJar(); // Node only: a browser keeps the session cookie itself.

  // Node 20 has no global WebSocket: graphql-ws takes the `ws` package's, opened with the session cookie.
  // A browser sends the zgw_session cookie with the WebSocket handshake by itself: leave this class out there.
  class CookieWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers: { cookie: `zgw_session=${jar.get('zgw_session') ?? ''}` } });
    }
  }

  // ---- client setup (quoted in the README) ----------------------------------------------------------------
  const httpLink = new HttpLink({
    uri: `${GATEWAY}/graphql`, // in the browser, served by the gateway: '/graphql'
    credentials: 'include', // send the zgw_session cookie
    fetch: jar.fetch, // Node only; leave out in a browser
  });

  const wsClient = createWsClient({
    url: `${GATEWAY.replace(/^http/, 'ws')}/graphql`, // in the browser: `${location.origin.replace(/^http/, 'ws')}/graphql`
    webSocketImpl: CookieWebSocket, // Node only; a browser's WebSocket sends the cookie itself
  });

  // Subscriptions go over the WebSocket, queries and mutations over HTTP (ApolloLink.split: Apollo Client 4's
  // replacement for the deprecated top-level split()).
  const link = ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
    },
    new GraphQLWsLink(wsClient),
    httpLink,
  );

  const client = new ApolloClient({ link, cache: new InMemoryCache() });
  // ---- end of client setup --------------------------------------------------------------------------------

  const connected = new Promise<void>((resolve) => wsClient.on('connected', () => resolve()));
  const closed = new Promise<void>((resolve) => wsClient.on('closed', () => resolve()));
  try {
    // Sign in over HTTP (login → the consent page, a popup in a browser → initialize): the socket needs the cookie.
    const login = await client.mutate({ mutation: LoginDocument, variables: { redirectUrl: REDIRECT_URL } });
    const consent = await approveConsent(login.data!.login.url);
    const init = await client.mutate({ mutation: InitializeDocument, variables: { ...consent, redirectUrl: REDIRECT_URL } });
    t.ok(init.data?.initialize.user.id && jar.get('zgw_session'), 'signed in over HTTP (the zgw_session cookie is set)', init.data);

    // ---- subscribing (quoted in the README) ---------------------------------------------------------------
    const changes = new Changes();
    const subscription = client.subscribe({ query: LeadChangedDocument }).subscribe({
      next: ({ data, error }) => {
        if (data) changes.push(data.leadChanged); // { operation, id, lead } with lead null once DELETED
        if (error) changes.fail(error);
      },
      error: changes.fail,
    });
    // ---- end of subscribing -------------------------------------------------------------------------------

    t.ok(await within(connected.then(() => true), ARRIVES_WITHIN), 'the WebSocket connects (graphql-transport-ws, acknowledged)', changes.detail);
    await sleep(REGISTERED_WITHIN);

    await createAndDelete(t, changes, 'apollo', 'over the WebSocket',
      async (lastName) => (await client.mutate({
        mutation: CreateStudentDocument,
        variables: { input: { firstName: 'Live', lastName, email: `${lastName.toLowerCase()}@students.example` } },
      })).data?.createLead,
      async (id) => (await client.mutate({ mutation: DeleteStudentDocument, variables: { id } })).data?.deleteLead);

    t.ok(jar.requests.every((r) => r.method === 'POST' && !r.headers.get('accept')?.includes('text/event-stream')),
      'the mutations went over HTTP, the subscription did not', jar.requests.map((r) => r.method));

    // Done: unsubscribe, then let go of the socket and the client.
    subscription.unsubscribe();
  } finally {
    await wsClient.dispose();
    client.stop();
  }
  t.ok(await within(closed.then(() => true), ARRIVES_WITHIN), 'disposing the graphql-ws client closes the WebSocket');
}

// ==== 2. urql: subscriptions over Server-Sent Events ========================================================

// Why graphql-sse for a browser app: a subscription is then an ordinary fetch POST with a JSON body, so the
// session cookie, CORS (GATEWAY_CORS_ORIGINS) and the gateway's CSRF rule work exactly as for the queries, and
// it passes proxies that do not upgrade connections. graphql-ws (part 1) is the pick for a page that holds many
// subscriptions at once: one socket carries them all, where each SSE subscription is an HTTP request of its own
// (over HTTP/1.1 a browser allows only six per origin).
async function urqlOverSse(t: Checks): Promise<void> {
  const jar = new CookieJar(); // Node only: a browser keeps the session cookie itself.

  // ---- client setup (quoted in the README) ----------------------------------------------------------------
  const sseClient = createSseClient({
    url: `${GATEWAY}/graphql`, // in the browser, served by the gateway: '/graphql'
    credentials: 'include', // send the zgw_session cookie (a fetch POST, Accept: text/event-stream)
    fetchFn: jar.fetch, // Node only; leave out in a browser
  });

  const client = new Client({
    url: `${GATEWAY}/graphql`, // in the browser, served by the gateway: '/graphql'
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return { subscribe: (sink) => ({ unsubscribe: sseClient.subscribe(input, sink) }) };
        },
      }),
    ],
    preferGetMethod: false, // POST every operation: a GET without a preflight header is refused (CSRF_ERROR)
    fetchOptions: { credentials: 'include' }, // send the zgw_session cookie
    fetch: jar.fetch, // Node only; leave out in a browser
  });
  // ---- end of client setup --------------------------------------------------------------------------------

  try {
    // Sign in over HTTP (login → the consent page, a popup in a browser → initialize).
    const login = await client.mutation(LoginDocument, { redirectUrl: REDIRECT_URL }).toPromise();
    const consent = await approveConsent(login.data!.login.url);
    const init = await client.mutation(InitializeDocument, { ...consent, redirectUrl: REDIRECT_URL }).toPromise();
    t.ok(init.data?.initialize.user.id && jar.get('zgw_session'), 'signed in over HTTP (the zgw_session cookie is set)', init.error?.message ?? init.data);

    // ---- subscribing (quoted in the README) ---------------------------------------------------------------
    const changes = new Changes();
    const subscription = client.subscription(LeadChangedDocument, {}).subscribe((result) => {
      if (result.data) changes.push(result.data.leadChanged); // { operation, id, lead } with lead null once DELETED
      if (result.error) changes.fail(result.error);
    });
    // ---- end of subscribing -------------------------------------------------------------------------------

    // The jar records a request once its answer's headers are in: for the event stream, once it is open.
    const isStream = (r: SentRequest) => r.headers.get('accept')?.includes('text/event-stream');
    t.ok(await until(() => jar.requests.some(isStream), ARRIVES_WITHIN), 'the event stream opens', changes.detail);
    const stream = jar.requests.find(isStream);
    t.ok(stream?.method === 'POST' && stream.status === 200 && stream.url.endsWith('/graphql'),
      'graphql-sse sent the subscription as a POST /graphql with Accept: text/event-stream, answered 200',
      stream && { method: stream.method, url: stream.url, status: stream.status });
    await sleep(REGISTERED_WITHIN);

    await createAndDelete(t, changes, 'urql', 'over SSE',
      async (lastName) => (await client.mutation(CreateStudentDocument, {
        input: { firstName: 'Live', lastName, email: `${lastName.toLowerCase()}@students.example` },
      }).toPromise()).data?.createLead,
      async (id) => (await client.mutation(DeleteStudentDocument, { id }).toPromise()).data?.deleteLead);

    // Done: unsubscribing aborts the event stream's request.
    subscription.unsubscribe();
  } finally {
    sseClient.dispose();
  }
}

await runRecipe('subscriptions: Apollo Client over WebSocket', apolloOverWebSocket);
await runRecipe('subscriptions: urql over SSE', urqlOverSse);
