"""A modest, steady load for demos: the project's flows, one after another.

A seller lists a ticket, a buyer orders it and pays (tok_visa); every third
order is left to expire instead. Runs forever at about RATE purchases per
second (default 0.5), talking to each service's cluster Service directly.
Python's standard library only.
"""

import http.server
import json
import os
import random
import threading
import time
import urllib.error
import urllib.request

BASE = {p: os.environ.get(f"{p.upper()}_URL", f"http://{p}:3000") for p in ("auth", "tickets", "orders", "payments")}
RATE = float(os.environ.get("RATE", "0.5"))


def call(service, method, path, body=None, cookie=None):
    """(status, JSON body, session cookie or None)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE[service] + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    if cookie:
        request.add_header("cookie", cookie)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            status, headers, raw = answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, error.headers, error.read()
    # The session cookie is Secure; it is handed back by hand over plain HTTP.
    session = next(
        (c.split(";")[0] for c in headers.get_all("set-cookie") or [] if c.startswith("express:sess=")), None
    )
    return status, json.loads(raw) if raw else None, session


def account(role):
    email = f"{role}-{random.getrandbits(40):x}@loadgen.example"
    status, _, cookie = call("auth", "POST", "/api/users/signup", {"email": email, "password": "loadgen1"})
    if status != 201 or not cookie:
        raise SystemExit(f"cannot sign up {email}: {status}")
    return cookie


def purchase(seller, buyer, n):
    status, ticket, _ = call("tickets", "POST", "/api/tickets", {"title": f"Load {n}", "price": 10 + n % 90}, seller)
    if status != 201:
        return f"ticket {status}"
    for _ in range(50):  # orders learns of the ticket through ticket.created
        status, order, _ = call("orders", "POST", "/api/orders", {"ticketId": ticket["id"]}, buyer)
        if status != 404:
            break
        time.sleep(0.1)
    if status != 201:
        return f"order {status}"
    if n % 3 == 0:
        return "left to expire"
    for _ in range(50):  # payments learns of the order through order.created
        status, _, _ = call("payments", "POST", "/api/payments", {"token": "tok_visa", "orderId": order["id"]}, buyer)
        if status != 404:
            break
        time.sleep(0.1)
    return "paid" if status == 201 else f"payment {status}"


class Health(http.server.BaseHTTPRequestHandler):
    """200 on any GET, for the kubelet's probes (port 8080)."""

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def main():
    server = http.server.ThreadingHTTPServer(("0.0.0.0", 8080), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    while True:
        try:
            seller, buyer = account("seller"), account("buyer")
            break
        except (OSError, SystemExit) as error:
            print(f"waiting for auth: {error}", flush=True)
            time.sleep(5)
    n = 0
    while True:
        started = time.monotonic()
        n += 1
        try:
            outcome = purchase(seller, buyer, n)
        except OSError as error:
            outcome = f"error {error}"
        print(json.dumps({"purchase": n, "outcome": outcome}), flush=True)
        time.sleep(max(0.0, 1 / RATE - (time.monotonic() - started)))


if __name__ == "__main__":
    main()
