"""API clients, their tokens and a JSON caller for the integration tests."""

import json
import uuid
from decimal import Decimal

import pytest

from integrations.services import api_client_create, api_token_issue
from tests.factories import CustomerFactory, ProductFactory, receive


class Api:
    """Calls the API as one client, with JSON bodies and a fresh Idempotency-Key per POST
    unless one is given."""

    def __init__(self, http, token: str):
        self.http, self.token = http, token

    def headers(self, key=None, **extra) -> dict:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}", **extra}
        if key is not None:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        return headers

    def get(self, path: str, **params):
        return self.http.get(path, params, **self.headers())

    def post(self, path: str, body, *, key: str | None = "new", **extra):
        key = uuid.uuid4().hex if key == "new" else key
        return self.http.post(path, json.dumps(body), content_type="application/json", **self.headers(key, **extra))

    def patch(self, path: str, body, *, key: str | None = None):
        return self.http.patch(path, json.dumps(body), content_type="application/json", **self.headers(key))

    def delete(self, path: str):
        return self.http.delete(path, **self.headers())


@pytest.fixture(autouse=True)
def _isolated_cache_counters(settings):
    """Rate-limit counters and seen notifications live in the shared cache (Redis in CI):
    each test gets its own."""
    prefix = uuid.uuid4().hex
    settings.RATELIMIT_CACHE_PREFIX = f"rl-{prefix}:"
    settings.PAYMENT_NOTIFY_SEEN_CACHE_PREFIX = f"seen-{prefix}"


def make_channel(name="淘宝旗舰店", code="taobao-shop-1", scopes=None, **fields):
    client = api_client_create(user=None, name=name, channel_code=code, scopes=scopes, **fields)
    _token, raw = api_token_issue(user=None, client=client)
    return client, raw


@pytest.fixture
def channel(db):
    return make_channel()


@pytest.fixture
def api(client, channel):
    return Api(client, channel[1])


@pytest.fixture
def shop(db):
    """A customer with a primary contact and a default address, and two products in stock."""
    customer = CustomerFactory(code="C00001", name="上海华兴科技有限公司")
    products = [ProductFactory(sku="P0001", list_price=Decimal("100.00")),
                ProductFactory(sku="P0002", list_price=Decimal("35.50"))]
    for product in products:
        receive(product, 10_000)
    return customer, products


def order_body(external_ref="TB-1001", customer_code="C00001", lines=None, **extra) -> dict:
    return {"customer_code": customer_code, "external_ref": external_ref,
            "lines": lines or [{"sku": "P0001", "quantity": 2}], **extra}


def push(api, **fields):
    """An order pushed through the API; the Order row."""
    from orders.models import Order

    response = api.post("/api/v1/orders/", order_body(**fields))
    assert response.status_code == 201, response.content
    return Order.objects.get(number=response.json()["number"])


def approve(order):
    from orders import services as order_services
    from orders.models import OrderStatus

    order.refresh_from_db()
    if order.status == OrderStatus.PENDING_REVIEW:
        order_services.order_approve(order=order, user=None)
    order.refresh_from_db()
    return order


def ship(order, *, tracking_number="SF0000000001"):
    """Approved (stock allocated at approval), picked, packed and shipped with 顺丰; the shipment."""
    from fulfillment import services as ff
    from tests.factories import CarrierFactory

    order = approve(order)
    carrier = CarrierFactory(name="顺丰速运", code="sf")
    pick_list = ff.pick_list_create(order=order, user=None)
    ff.pick_list_mark_picked(pick_list=pick_list, user=None)
    ff.pick_list_mark_packed(pick_list=pick_list, user=None, package_count=1)
    return ff.pick_list_ship(pick_list=pick_list, user=None, carrier=carrier, tracking_number=tracking_number)


class WebhookReceiver:
    """A local HTTP endpoint recording every webhook; answers 503 to the first ``failures``."""

    def __init__(self):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        receiver = self
        self.requests: list[dict] = []
        self.failures = 0
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                    failing = len(receiver.requests) <= receiver.failures
                self.send_response(503 if failing else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def bodies(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]

    def types(self) -> list[str]:
        return [body["type"] for body in self.bodies()]


@pytest.fixture
def receiver():
    server = WebhookReceiver()
    yield server
    server.server.shutdown()
