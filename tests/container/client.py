#!/usr/bin/env python3
"""A browser's part in tests/container/run.sh, over plain HTTP (standard library only).

  client.py signin --gateway URL --redirect URI [--user admin]
      Signs in through the gateway at URL as a browser does: the `login` mutation (which sets the
      zgw_login cookie and answers Zoho's authorization URL), the sandbox's consent page approving
      the demo user (it redirects to URI with code, state, location and accounts-server), then the
      `initialize` mutation with that cookie. Prints the session cookie, `zgw_session=...`.

  client.py leads --gateway URL --cookie COOKIE [--page N] [--per-page N] [--record FILE]
      Reads `leads(page:, perPage:) { nodes { id lastName } }` and fails (exit 1) unless the answer
      is HTTP 200, without errors, with exactly perPage leads that each have a numeric id and a last
      name. --record writes "START END" (Unix seconds) of the request to FILE.

  client.py anonymous --gateway URL
      Reads the same list without a cookie and fails unless the answer is UNAUTHENTICATED.
"""

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def fail(message):
    print(f"client.py: {message}", file=sys.stderr)
    sys.exit(1)


def post_graphql(gateway, query, variables=None, cookie=None, timeout=60):
    """Returns (status, parsed JSON body, the response's Set-Cookie values)."""
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"{gateway}/graphql", data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("Accept", "application/graphql-response+json, application/json")
    if cookie:
        request.add_header("Cookie", cookie)
    try:
        with OPENER.open(request, timeout=timeout) as response:
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, error.headers, error.read()
    except (urllib.error.URLError, OSError) as error:
        fail(f"no answer from {gateway}/graphql: {error!r}")
    try:
        answer = json.loads(raw)
    except ValueError:
        fail(f"{gateway}/graphql answered {status} with a body that is not JSON: {raw[:300]!r}")
    return status, answer, headers.get_all("Set-Cookie") or []


def cookie_pair(set_cookies, name):
    for value in set_cookies:
        pair = value.split(";", 1)[0].strip()
        if pair.startswith(f"{name}="):
            return pair
    fail(f"no {name} cookie was set (Set-Cookie: {set_cookies})")


def signin(args):
    status, login, cookies = post_graphql(
        args.gateway, "mutation($r: String!) { login(redirectUrl: $r) { url state } }", {"r": args.redirect}
    )
    url = (login.get("data") or {}).get("login", {}) or {}
    if status != 200 or not url.get("url"):
        fail(f"login failed ({status}): {login}")
    login_cookie = cookie_pair(cookies, "zgw_login")

    consent = url["url"] + "&" + urllib.parse.urlencode({"sandbox_user": args.user})
    try:
        with OPENER.open(consent, timeout=30) as response:
            fail(f"the consent page answered {response.status} instead of redirecting")
    except urllib.error.HTTPError as error:
        if error.code not in (302, 303, 307):
            fail(f"the consent page answered {error.code}: {error.read()[:300]!r}")
        location = error.headers["Location"]
    redirect = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    if not location.startswith(args.redirect) or "code" not in redirect:
        fail(f"the consent page redirected to {location}, not to {args.redirect} with a code")

    status, init, cookies = post_graphql(
        args.gateway,
        """mutation($c: String!, $s: String!, $r: String!, $l: String, $a: String) {
             initialize(code: $c, state: $s, redirectUrl: $r, location: $l, accountsServer: $a) { user { id } } }""",
        {
            "c": redirect["code"],
            "s": redirect.get("state"),
            "r": args.redirect,
            "l": redirect.get("location"),
            "a": redirect.get("accounts-server"),
        },
        cookie=login_cookie,
    )
    user = ((init.get("data") or {}).get("initialize") or {}).get("user") or {}
    if status != 200 or not user.get("id"):
        fail(f"initialize failed ({status}): {init}")
    print(cookie_pair(cookies, "zgw_session"))


LEADS = "query($p: Int!, $n: Int!) { leads(page: $p, perPage: $n) { nodes { id lastName } } }"


def leads(args):
    started = time.time()
    status, answer, _ = post_graphql(args.gateway, LEADS, {"p": args.page, "n": args.per_page}, cookie=args.cookie)
    ended = time.time()
    if args.record:
        with open(args.record, "w") as out:
            out.write(f"{started:.3f} {ended:.3f}\n")
    nodes = (((answer.get("data") or {}).get("leads")) or {}).get("nodes")
    if status != 200 or answer.get("errors") or not isinstance(nodes, list):
        fail(f"leads through {args.gateway} answered {status}: {answer}")
    if len(nodes) != args.per_page:
        fail(f"expected {args.per_page} leads, got {len(nodes)}: {answer}")
    for node in nodes:
        if not str(node.get("id") or "").isdigit() or not node.get("lastName"):
            fail(f"a lead without a numeric id or a last name: {node}")
    print(f"HTTP {status} in {ended - started:.2f} s: " + ", ".join(f"{n['id']} {n['lastName']}" for n in nodes))


def anonymous(args):
    status, answer, _ = post_graphql(args.gateway, LEADS, {"p": 1, "n": 3})
    codes = [((e.get("extensions") or {}).get("code")) for e in answer.get("errors") or []]
    if "UNAUTHENTICATED" not in codes:
        fail(f"without a cookie, expected UNAUTHENTICATED, got {status}: {answer}")
    print(f"HTTP {status}, UNAUTHENTICATED without a cookie")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("signin")
    p.add_argument("--gateway", required=True)
    p.add_argument("--redirect", required=True)
    p.add_argument("--user", default="admin")
    p.set_defaults(run=signin)
    p = commands.add_parser("leads")
    p.add_argument("--gateway", required=True)
    p.add_argument("--cookie", required=True)
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--per-page", type=int, default=3)
    p.add_argument("--record")
    p.set_defaults(run=leads)
    p = commands.add_parser("anonymous")
    p.add_argument("--gateway", required=True)
    p.set_defaults(run=anonymous)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
