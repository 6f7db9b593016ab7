"""The API's own figures: orders per second through ``POST /api/v1/orders/batch/`` (500 orders
a call) and the latency of a single ``POST /api/v1/orders/`` (p50, p95), each next to the
same orders entered through the services directly in the same run — ``order_create_many``
(the bulk path the batch endpoint hands to) and ``order_create`` one transaction per order.

    .venv/bin/python bench/api_intake.py [--batches 4] [--singles 300] [--with-review] [--keepdb]

Real HTTP over the loopback to the app served by a WSGI server in this process (every
middleware, token check, rate limit, idempotency key, call log and webhook outbox on the way).
As in production, each order's automatic review is queued for the Celery workers when the order
commits, not run in the request (here: queued in memory, no worker); ``--with-review`` runs it
eagerly inside each request instead (approval and FIFO allocation included), on both sides.
Runs on the configured database (DATABASE_URL) in a scratch copy.
"""

import argparse
import json
import random
import statistics
import threading
import time
import urllib.request
import uuid
from wsgiref.simple_server import WSGIRequestHandler, make_server

from _setup import finish, start


class QuietHandler(WSGIRequestHandler):
    # The answer leaves in two writes (head, body): without TCP_NODELAY the second waits for
    # the client's delayed ACK, adding tens of milliseconds to every call that are not the app's.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass


CLOSE_PATH = "/__bench_close_connections__"


def serve():
    """The app on a WSGI server in a thread, keeping its database connection between requests
    as in production (CONN_MAX_AGE); ``CLOSE_PATH`` closes it at the end, so that the scratch
    database can be dropped."""
    from django.core.wsgi import get_wsgi_application
    from django.db import connections

    django_app = get_wsgi_application()

    def app(environ, start_response):
        if environ["PATH_INFO"] == CLOSE_PATH:
            connections.close_all()
            start_response("204 No Content", [])
            return [b""]
        return django_app(environ, start_response)

    server = make_server("127.0.0.1", 0, app, handler_class=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def stop(server, base: str) -> None:
    urllib.request.urlopen(base + CLOSE_PATH).read()
    server.shutdown()


def order_json(customer, lines, ref: str) -> dict:
    return {"customer_code": customer.code, "external_ref": ref,
            "lines": [{"sku": product.sku, "quantity": quantity} for product, quantity in lines]}


def post(url: str, token: str, body: dict) -> tuple[int, dict, float]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex, "Content-Type": "application/json"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        data = json.loads(response.read())
        return response.status, data, time.perf_counter() - started


def details(customer):
    from orders.models import Channel
    from orders.services import OrderDetails

    contact, address = customer.primary_contact, customer.default_address
    return OrderDetails(customer=customer, contact_name=contact.name, contact_phone=contact.phone,
                        ship_province=address.province, ship_city=address.city, ship_address=address.detail,
                        channel=Channel.API, channel_code="bench-services")


def services_batch(batch) -> float:
    from orders.services import LineInput, NewOrder, order_create_many

    started = time.perf_counter()
    order_create_many(user=None, orders=[
        NewOrder(details=details(c), lines=[LineInput(product=p, quantity=q) for p, q in lines]) for c, lines in batch])
    return time.perf_counter() - started


def services_single(customer, lines) -> float:
    from django.db import transaction

    from orders.services import LineInput, order_create

    started = time.perf_counter()
    with transaction.atomic():  # one order, one transaction; its review is queued on commit
        order_create(user=None, details=details(customer), lines=[LineInput(product=p, quantity=q) for p, q in lines])
    return time.perf_counter() - started


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=4, help="batch calls of 500 orders (default 4)")
    parser.add_argument("--singles", type=int, default=300, help="single-order calls (default 300)")
    parser.add_argument("--with-review", action="store_true", help="run the automatic review inside each request")
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()
    old_name = start(args.keepdb, suffix="api")
    if not args.with_review:
        from django.conf import settings

        from ordermgmt.celery import app

        settings.CELERY_TASK_ALWAYS_EAGER = app.conf.task_always_eager = False
        app.conf.broker_url = "memory://"
    try:
        from customers.models import Customer
        from intake import build_master_data, plan
        from integrations.services import api_client_create, api_token_issue
        from orders.models import Order

        rng = random.Random(42)
        customers, products = build_master_data(rng)
        customers = list(Customer.objects.filter(pk__in=[c.pk for c in customers]).prefetch_related("contacts", "addresses"))
        client = api_client_create(user=None, name="基准渠道", channel_code="bench-api", rate_limit="100000/m")
        _token, token = api_token_issue(user=None, client=client)
        server, base = serve()
        print(f"{args.batches} batches of 500 orders, {args.singles} single orders; 1–5 lines each; automatic review "
              + ("run in each request" if args.with_review else "queued for the workers (as in production)"))

        # API and services alternate, call by call, so that a busy moment of the machine weighs
        # on both sides alike.
        api_seconds, service_seconds = [], []
        for number in range(args.batches):
            batch = plan(rng, customers, products, 500)
            body = {"atomic": False, "orders": [order_json(c, lines, f"B{number}-{i}") for i, (c, lines) in enumerate(batch)]}
            status, data, seconds = post(f"{base}/api/v1/orders/batch/", token, body)
            assert status == 200 and data["created"] == 500, (status, data.get("rejected"), data.get("message"))
            api_seconds.append(seconds)
            service_seconds.append(services_batch(plan(rng, customers, products, 500)))
        api_rate = 500 * args.batches / sum(api_seconds)
        service_rate = 500 * args.batches / sum(service_seconds)
        print(f"POST /api/v1/orders/batch/ (500 orders a call): {api_rate:8.1f} orders/s   "
              f"({', '.join(f'{s:.2f}' for s in api_seconds)} s per call)")
        print(f"services: order_create_many, same batches:      {service_rate:8.1f} orders/s   "
              f"({', '.join(f'{s:.2f}' for s in service_seconds)} s per call; API at {api_rate / service_rate:.0%})",
              flush=True)

        latencies, service_latencies = [], []
        for index, (customer, lines) in enumerate(plan(rng, customers, products, args.singles)):
            status, _data, seconds = post(f"{base}/api/v1/orders/", token, order_json(customer, lines, f"S-{index}"))
            assert status == 201, status
            latencies.append(seconds)
            service_latencies.append(services_single(*plan(rng, customers, products, 1)[0]))
        print(f"POST /api/v1/orders/ (one order a call):        p50 {statistics.median(latencies) * 1000:6.1f} ms  "
              f"p95 {p95(latencies) * 1000:6.1f} ms  {len(latencies) / sum(latencies):6.1f} orders/s")
        print(f"services: order_create, one transaction each:   p50 {statistics.median(service_latencies) * 1000:6.1f} ms  "
              f"p95 {p95(service_latencies) * 1000:6.1f} ms  {len(service_latencies) / sum(service_latencies):6.1f} orders/s")
        print(f"orders in the database: {Order.objects.count()}")
        stop(server, base)
    finally:
        from django.db import connections

        connections.close_all()
        finish(old_name, args.keepdb)


if __name__ == "__main__":
    main()
