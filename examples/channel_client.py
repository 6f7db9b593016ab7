#!/usr/bin/env python3
"""A reference client for the platform's API, standard library only.

Push orders from a JSON file (a list of orders, or {"orders": [...]}) in batches of up to 500:

    python examples/channel_client.py push orders.json --url https://orders.example.com --token omk_…

Each batch is sent with an Idempotency-Key derived from its content, and retried with the same
key after a network error, a timeout, a 5xx, a 429 or a 409 "still in use": a batch whose answer
was lost is answered again from the platform's record (Idempotent-Replayed: true), so nothing is
created twice — not even when the script itself is run again on the same file.

Receive webhooks and check their Standard Webhooks signatures:

    python examples/channel_client.py receive --port 9000 --secret whsec_…

Every delivery is verified (HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>" with the
secret, timestamp within 5 minutes) and answered 204, or 401 when it does not verify; one line per
event is printed (or appended to --log as JSON). A delivery seen before (same webhook-id: a retry
whose answer got lost) is acknowledged and not handled twice.
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import sys
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BATCH_LIMIT = 500
TOLERANCE_SECONDS = 5 * 60
RETRYABLE_STATUS = {409, 429, 500, 502, 503, 504}


# --- pushing orders ---------------------------------------------------------------------

def load_orders(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as file:
        data = json.load(file)
    orders = data["orders"] if isinstance(data, dict) else data
    if not isinstance(orders, list) or not all(isinstance(order, dict) for order in orders):
        raise SystemExit(f"{path}: expected a list of orders or {{\"orders\": [...]}}")
    return orders


def idempotency_key(batch: dict) -> str:
    """The same batch gets the same key, run after run."""
    canonical = json.dumps(batch, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "batch-" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40]


def post_json(url: str, token: str, body: dict, key: str, timeout: float):
    request = urllib.request.Request(
        url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"), method="POST",
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key, "Content-Type": "application/json",
                 "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as refusal:
        payload = refusal.read()
        try:
            data = json.loads(payload or b"{}")
        except ValueError:
            data = {"code": "not_json", "message": payload[:200].decode("utf-8", "replace")}
        return refusal.code, dict(refusal.headers), data


def post_with_retries(url: str, token: str, body: dict, *, attempts: int, timeout: float, wait: float):
    """POST until an answer that is not worth retrying; the same key every time."""
    key = idempotency_key(body)
    for attempt in range(1, attempts + 1):
        try:
            status, headers, data = post_json(url, token, body, key, timeout)
        except (urllib.error.URLError, http.client.HTTPException, OSError, TimeoutError) as failure:
            print(f"  attempt {attempt}: no answer ({type(failure).__name__}: {failure}); retrying with the same key",
                  file=sys.stderr)
        else:
            retry_after = headers.get("Retry-After")
            if status not in RETRYABLE_STATUS or (status == 409 and data.get("code") != "idempotency_key_in_use"):
                return status, headers, data, attempt
            print(f"  attempt {attempt}: HTTP {status} {data.get('code', '')}; retrying with the same key",
                  file=sys.stderr)
            if retry_after and retry_after.isdigit():
                time.sleep(min(int(retry_after), 60))
                continue
        if attempt < attempts:
            time.sleep(wait * 2 ** (attempt - 1))
    raise SystemExit(f"no answer after {attempts} attempts; run again later: the same keys are used, nothing is duplicated")


def push(args) -> int:
    orders = load_orders(args.file)
    url = args.url.rstrip("/") + "/api/v1/orders/batch/"
    rejected = 0
    for start in range(0, len(orders), BATCH_LIMIT):
        batch = {"atomic": args.atomic, "orders": orders[start:start + BATCH_LIMIT]}
        status, headers, data, attempt = post_with_retries(url, args.token, batch, attempts=args.attempts,
                                                           timeout=args.timeout, wait=args.wait)
        replayed = headers.get("Idempotent-Replayed") == "true"
        label = f"batch {start // BATCH_LIMIT + 1}: orders {start + 1}–{start + len(batch['orders'])}"
        if status not in (200, 422) or "results" not in data:
            print(f"{label}: HTTP {status} {data.get('code', '')} {data.get('message', '')}")
            return 1
        for result in data["results"]:
            if result["result"] == "rejected":
                rejected += 1
                error = result.get("error", {})
                print(f"  {result['external_ref'] or '#' + str(result['index'])}: rejected — {error.get('message', '')} "
                      f"{json.dumps(error.get('errors', {}), ensure_ascii=False)}")
        counts = {kind: sum(1 for r in data["results"] if r["result"] == kind)
                  for kind in ("created", "duplicate", "rejected", "not_created")}
        print(f"{label}: {counts['created']} created, {counts['duplicate']} duplicates, {counts['rejected']} rejected"
              + (f", {counts['not_created']} not created" if counts["not_created"] else "")
              + f" (attempt {attempt}{', replayed' if replayed else ''})")
    return 1 if rejected else 0


# --- receiving webhooks ------------------------------------------------------------------

def signature_valid(secret: str, headers, body: bytes, *, now: float | None = None) -> bool:
    """The Standard Webhooks check, by hand (any Standard Webhooks library does the same)."""
    msg_id, timestamp, signatures = (headers.get("webhook-id"), headers.get("webhook-timestamp"),
                                     headers.get("webhook-signature"))
    if not (msg_id and timestamp and signatures) or not timestamp.isdigit():
        return False
    if abs((now or time.time()) - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expected, part.partition(",")[2])
               for part in signatures.split() if part.startswith("v1,"))


def make_receiver(secret: str, log_path: str | None):
    seen: set[str] = set()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server API
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not signature_valid(secret, self.headers, body):
                self.send_response(401)
                self.end_headers()
                return
            event_id = self.headers["webhook-id"]
            if event_id not in seen:  # a retry of what we already handled is only acknowledged
                seen.add(event_id)
                self.handle_event(event_id, json.loads(body))
            self.send_response(204)
            self.end_headers()

        def handle_event(self, event_id: str, event: dict) -> None:
            order = event.get("data", {}).get("order", {})
            line = {"id": event_id, "type": event.get("type"), "order": order.get("number"),
                    "status": order.get("status"), "verified": True}
            if log_path:
                with open(log_path, "a", encoding="utf-8") as log:
                    log.write(json.dumps(line, ensure_ascii=False) + "\n")
            print(f"{event.get('type')} {order.get('number')} {order.get('status_label', '')}", flush=True)

        def log_message(self, *args):
            pass

    return Receiver


def receive(args) -> int:
    server = ThreadingHTTPServer((args.host, args.port), make_receiver(args.secret, args.log))
    print(f"listening on http://{args.host}:{server.server_port}/ (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    pushing = commands.add_parser("push", help="push orders from a JSON file")
    pushing.add_argument("file")
    pushing.add_argument("--url", required=True, help="the platform, e.g. https://orders.example.com")
    pushing.add_argument("--token", required=True, help="the API client's token (omk_…)")
    pushing.add_argument("--atomic", action="store_true", help="each batch all or nothing")
    pushing.add_argument("--attempts", type=int, default=6)
    pushing.add_argument("--timeout", type=float, default=60.0)
    pushing.add_argument("--wait", type=float, default=1.0, help="first wait between attempts, doubling (seconds)")
    receiving = commands.add_parser("receive", help="receive webhooks and verify their signatures")
    receiving.add_argument("--secret", required=True, help="the subscription's secret (whsec_…)")
    receiving.add_argument("--host", default="127.0.0.1")
    receiving.add_argument("--port", type=int, default=9000)
    receiving.add_argument("--log", help="append each verified event to this file as a JSON line")
    args = parser.parse_args(argv)
    return push(args) if args.command == "push" else receive(args)


if __name__ == "__main__":
    sys.exit(main())
