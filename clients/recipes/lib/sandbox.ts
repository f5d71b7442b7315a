// What the recipes share and a frontend developer does not copy: where the gateway is, a cookie jar (Node has
// no browser to keep the session cookie), the sandbox's consent page answered over HTTP (in a browser it is a
// popup the user clicks), and a tiny check counter that makes a recipe exit non-zero on the first failure.

/** The gateway under test (clients/run.sh sets it). */
export const GATEWAY = (process.env.ZGW_GATEWAY_URL ?? 'http://127.0.0.1:8085').replace(/\/+$/, '');
/** A redirect URL the gateway has registered (ZOHO_REDIRECT_URIS); the portal's own by default. */
export const REDIRECT_URL = process.env.ZGW_REDIRECT_URL ?? `${GATEWAY}/redirect.html`;
/** The sandbox's demo user to approve on the consent page: admin (Priya Sharma) sees every lead. */
export const SANDBOX_USER = process.env.ZGW_SANDBOX_USER ?? 'admin';

export interface SentRequest {
  method: string;
  url: string;
  status: number;
  headers: Headers;
}

/**
 * A `fetch` that keeps cookies the way a browser does for one site: it stores every Set-Cookie of an answer
 * (and forgets one set with Max-Age=0 or an empty value) and sends them back as `Cookie`. It records each
 * request, so a recipe can assert which method and headers its client library used.
 */
export class CookieJar {
  readonly cookies = new Map<string, string>();
  readonly requests: SentRequest[] = [];

  fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const request = new Request(input, init);
    const headers = new Headers(request.headers);
    if (this.cookies.size > 0) {
      headers.set('cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    }
    const response = await fetch(new Request(request, { headers }));
    this.requests.push({ method: request.method, url: request.url, status: response.status, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  };

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

/** What Zoho's redirect hands back, ready for the `initialize` mutation. */
export interface Consent {
  code: string;
  state: string;
  location: string | null;
  accountsServer: string | null;
}

/**
 * The user's part of "Sign in with Zoho": opens the authorization URL that `login` answered and approves
 * SANDBOX_USER on the sandbox's consent page (its buttons submit `sandbox_user=<key>`), then reads the
 * redirect back to REDIRECT_URL, as tests/container/client.py does.
 */
export async function approveConsent(authorizationUrl: string, user = SANDBOX_USER): Promise<Consent> {
  const url = new URL(authorizationUrl);
  url.searchParams.set('sandbox_user', user);
  const response = await fetch(url, { redirect: 'manual' });
  const location = response.headers.get('location');
  if (![302, 303, 307].includes(response.status) || !location) {
    throw new Error(`the consent page answered ${response.status} instead of redirecting: ${(await response.text()).slice(0, 300)}`);
  }
  const back = new URL(location, url);
  if (!back.href.startsWith(REDIRECT_URL)) throw new Error(`the consent page redirected to ${back.href}, not to ${REDIRECT_URL}`);
  const code = back.searchParams.get('code');
  const state = back.searchParams.get('state');
  if (!code || !state) throw new Error(`the redirect carries no code or state: ${back.href}`);
  return { code, state, location: back.searchParams.get('location'), accountsServer: back.searchParams.get('accounts-server') };
}

/** The parts of a GraphQL error the recipes read (graphql-js, Apollo and urql errors all have them). */
export interface ErrorLike {
  message: string;
  extensions?: { readonly [key: string]: unknown } | null;
}

/** `code` and `field` of each error, for messages and for `Checks.hasError`. */
export function describeErrors(errors: readonly ErrorLike[] | undefined | null): string {
  return JSON.stringify((errors ?? []).map((e) => ({ message: e.message, code: e.extensions?.code, field: e.extensions?.field })));
}

/** A unique last name, so a recipe finds exactly the lead it created. */
export function uniqueLastName(recipe: string): string {
  return `Recipe${recipe[0].toUpperCase()}${recipe.slice(1)}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

class CheckFailed extends Error {}

/** Counts checks; the first failed one stops the recipe. */
export class Checks {
  passed = 0;

  ok(condition: unknown, what: string, detail?: unknown): void {
    if (!condition) {
      throw new CheckFailed(`${what}${detail === undefined ? '' : `\n    got: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`}`);
    }
    this.passed += 1;
    console.log(`  ok ${this.passed} - ${what}`);
  }

  equal<T>(actual: T, expected: T, what: string): void {
    this.ok(Object.is(actual, expected), `${what} (${JSON.stringify(expected)})`, actual);
  }

  /** An error with `extensions.code === code` (and `extensions.field === field` when given) is among `errors`. */
  hasError(errors: readonly ErrorLike[] | undefined | null, code: string, field: string | undefined, what: string): void {
    const found = (errors ?? []).some((e) => e.extensions?.code === code && (field === undefined || e.extensions?.field === field));
    this.ok(found, `${what}: ${code}${field === undefined ? '' : ` on ${field}`}`, describeErrors(errors));
  }
}

/** Runs a recipe: prints each check, then "<name>: N passed, M failed"; a failure sets a non-zero exit code. */
export async function runRecipe(name: string, body: (t: Checks) => Promise<void>): Promise<void> {
  const t = new Checks();
  const started = Date.now();
  console.log(`# ${name} against ${GATEWAY} (sandbox user ${SANDBOX_USER})`);
  let failed = 0;
  try {
    await body(t);
  } catch (error) {
    failed = 1;
    console.log(`  not ok ${t.passed + 1} - ${error instanceof CheckFailed ? error.message : 'unexpected error'}`);
    if (!(error instanceof CheckFailed)) console.log(error);
  }
  console.log(`# ${name}: ${((Date.now() - started) / 1000).toFixed(2)} s`);
  console.log(`${name}: ${t.passed} passed, ${failed} failed`);
  if (failed > 0 || t.passed === 0) process.exitCode = 1;
}
