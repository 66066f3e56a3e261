"""Schemathesis hooks for scripts/api-fuzz.sh: every generated request that
needs a session (the document's `session` scheme, the `express:sess` cookie)
carries one obtained by signing up a fresh user on the stack under test.

The stack's address comes from TICKETING_URL; the session is cached for the
run (a token lives a day), so signing up costs one request, not one per case.
"""

import json
import os
import secrets
import urllib.request

import schemathesis

BASE_URL = os.environ["TICKETING_URL"]
COOKIE = "express:sess"


@schemathesis.auth()
class SessionCookie:
    def get(self, case, ctx):
        address = f"fuzz-{secrets.token_hex(6)}@example.com"
        request = urllib.request.Request(
            f"{BASE_URL}/api/users/signup",
            data=json.dumps({"email": address, "password": "fuzzing-pass"}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            set_cookie = answer.headers["Set-Cookie"]
        name, _, rest = set_cookie.partition("=")
        assert name == COOKIE, f"signup set {set_cookie!r}"
        return rest.split(";", 1)[0]

    def set(self, case, data, ctx):
        case.cookies = {**(case.cookies or {}), COOKIE: data}
