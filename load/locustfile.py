"""Load test of the production-like stack (issue 21): clerks in the portal, customers on the
public tracking page, carriers pushing logistics events, and sales channels' systems on the
REST API of issue 15 (/api/v1/).

Run through ``load/run.sh`` (``make load``), which starts the stack, seeds the demo data and
writes ``load/results/fixtures.json`` (load/prepare.py) that this file reads: customers and
products to enter orders for, order numbers with their phone's last 4 digits, carrier push
tokens with their open shipments, the API client's token. Every simulated user presents its
own client address in ``X-Real-IP`` (the stack runs with ``RATELIMIT_IP_META_KEY=HTTP_X_REAL_IP``,
as behind the proxy), so the per-client rate limits apply per user, as in production.

Request names group the figures per endpoint (``/orders/[number]/`` rather than one line per
order), which is what the report's p50/p95/p99 table shows.
"""

import json
import os
import random
import re
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from locust import FastHttpUser, HttpUser, between, task

FIXTURES = json.loads(Path(os.environ.get("LOAD_FIXTURES", Path(__file__).parent / "results/fixtures.json")).read_text())
PASSWORD = os.environ.get("LOAD_PASSWORD", "demo1234")
ORDER_NUMBER = re.compile(r'href="/orders/(\d{10,})/"')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CHINA = timezone(timedelta(hours=8))


def client_address() -> str:
    """A made-up client address, sent as a header only (never a connection target)."""
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


class PortalUser(HttpUser):
    """A signed-in clerk. Subclasses name the demo accounts they log in as."""

    abstract = True
    usernames: tuple[str, ...] = ()
    wait_time = between(1, 3)

    def on_start(self):
        self.client.headers["X-Real-IP"] = client_address()
        self.order_numbers: list[str] = []
        page = self.client.get("/accounts/login/", name="/accounts/login/")
        self.username = random.choice(self.usernames)
        self.client.post("/accounts/login/", name="/accounts/login/ (POST)", data={
            "username": self.username, "password": PASSWORD,
            "csrfmiddlewaretoken": self._csrf(page.text),
        }, headers={"Referer": self.host + "/accounts/login/"})

    def _csrf(self, html: str) -> str:
        match = CSRF_INPUT.search(html)
        return match.group(1) if match else self.client.cookies.get("csrftoken", "")

    def _post_form(self, url: str, name: str, data: dict):
        page_token = self.client.cookies.get("csrftoken", "")
        return self.client.post(url, name=name, data={**data, "csrfmiddlewaretoken": page_token},
                                headers={"Referer": self.host + url})

    def _remember_orders(self, html: str) -> None:
        found = ORDER_NUMBER.findall(html)
        if found:
            self.order_numbers = found[:40]

    def open_queue(self):
        with self.client.get("/", name="/ (my queue)", catch_response=True) as response:
            self._remember_orders(response.text)

    def open_an_order(self):
        if not self.order_numbers:
            return self.list_with_filters()
        self.client.get(f"/orders/{random.choice(self.order_numbers)}/", name="/orders/[number]/")

    def list_with_filters(self):
        params = random.choice([
            {"status": "pending_review"}, {"status": "allocated", "sort": "-created_at"},
            {"q": random.choice(["科技", "贸易", "1380", "hx"])}, {"channel": "online", "page": "2"}, {},
        ])
        with self.client.get("/orders/", params=params, name="/orders/?filters", catch_response=True) as response:
            self._remember_orders(response.text)


class SalesClerk(PortalUser):
    """Enters orders and follows them: the most common portal user."""

    usernames = ("sales", "sales2", "service")
    weight = 6

    @task(4)
    def queue(self):
        self.open_queue()

    @task(4)
    def order(self):
        self.open_an_order()

    @task(3)
    def list(self):
        self.list_with_filters()

    @task(2)
    def create_order(self):
        self.client.get("/orders/new/", name="/orders/new/")
        products = random.sample(FIXTURES["products"], k=random.randint(1, 3))
        data = {
            # A 销售专员 enters orders only for the customers they may see (their own, unassigned).
            "customer": random.choice(FIXTURES.get("customers_by_user", {}).get(self.username)
                                      or FIXTURES["customers"]), "contact_name": "王小明",
            "contact_phone": f"139{random.randint(10_000_000, 99_999_999)}", "contact_email": "",
            "ship_province": "浙江省", "ship_city": "杭州市", "ship_district": "西湖区", "ship_address": "文三路90号",
            "channel": random.choice(["phone", "online", "email"]), "order_type": "stock", "priority": "normal",
            "invoice_type": "none", "payment_method": "bank_transfer",
            "lines-TOTAL_FORMS": str(len(products)), "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "1", "lines-MAX_NUM_FORMS": "1000",
        }
        for index, product in enumerate(products):
            data.update({f"lines-{index}-product": product, f"lines-{index}-quantity": str(random.randint(1, 5)),
                         f"lines-{index}-unit_price": ""})
        with self.client.post("/orders/new/", name="/orders/new/ (POST)", data=data, allow_redirects=False,
                              headers={"Referer": self.host + "/orders/new/",
                                       "X-CSRFToken": self.client.cookies.get("csrftoken", "")},
                              catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"order not created ({response.status_code})")
            else:
                self.order_numbers.insert(0, response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


class Reviewer(PortalUser):
    """Works the review queue: opens the orders waiting for a person and approves them."""

    usernames = ("reviewer",)  # a 主管 needs a one-time code with DEBUG off
    weight = 2

    @task(3)
    def queue(self):
        self.open_queue()

    @task(2)
    def approve(self):
        with self.client.get("/orders/", params={"status": "pending_review"}, name="/orders/?filters",
                             catch_response=True) as response:
            waiting = ORDER_NUMBER.findall(response.text)
        if not waiting:
            return
        number = random.choice(waiting[:10])
        self.client.get(f"/orders/{number}/", name="/orders/[number]/")
        with self.client.post(f"/orders/{number}/do/approve/", name="/orders/[number]/do/approve/ (POST)",
                              data={"reason": "", "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")},
                              headers={"Referer": f"{self.host}/orders/{number}/"}, allow_redirects=False,
                              catch_response=True) as response:
            # Another reviewer may have approved it a moment ago, or a check holds it: the
            # page answers with a message (302 back to the order) either way.
            if response.status_code not in (302, 303):
                response.failure(f"approve answered {response.status_code}")

    @task(1)
    def list(self):
        self.list_with_filters()


class TrackingVisitor(HttpUser):
    """A customer following an order on the public tracking page (the form carries a CSRF
    token like any Django form: read from the page, sent back with its cookie)."""

    weight = 3
    wait_time = between(2, 6)

    @task
    def track(self):
        # Each lookup is another customer (own address, own cookies): one person checking
        # every few seconds would rightly hit the page's per-client limit (10 per 10 minutes).
        self.client.cookies.clear()
        self.client.headers["X-Real-IP"] = client_address()
        number, last4 = random.choice(FIXTURES["tracking"])
        page = self.client.get("/track/", name="/track/")
        match = CSRF_INPUT.search(page.text)
        token = match.group(1) if match else self.client.cookies.get("csrftoken", "")
        with self.client.post("/track/", name="/track/ (POST)", allow_redirects=False, catch_response=True,
                              data={"number": number, "phone_last4": last4, "csrfmiddlewaretoken": token},
                              headers={"Referer": self.host + "/track/"}) as response:
            if response.status_code != 302:
                response.failure(f"lookup answered {response.status_code}")
                return
            location = response.headers["Location"]
        self.client.get(location, name="/track/s/[token]/")


class CarrierPush(FastHttpUser):
    """A carrier's system pushing batches of logistics events for the shipments it carries."""

    weight = 1
    wait_time = between(1, 2)

    def on_start(self):
        carriers = [c for c in FIXTURES["carriers"] if c["tracking_numbers"]]
        self.carrier = random.choice(carriers) if carriers else None

    @task
    def push(self):
        if self.carrier is None:
            return
        now = datetime.now(CHINA)
        events = [{
            "event_id": f"LOAD-{uuid.uuid4().hex}", "tracking_number": random.choice(self.carrier["tracking_numbers"]),
            "status": random.choice(["in_transit", "out_for_delivery"]),
            "time": (now - timedelta(minutes=random.randint(0, 30))).isoformat(timespec="seconds"),
            "place": random.choice(["上海转运中心", "杭州分拨中心", "西湖区营业部"]), "note": "负载测试",
        } for _ in range(random.randint(1, 5))]
        self.client.post(f"/api/carriers/{self.carrier['code']}/events/", name="/api/carriers/[code]/events/ (POST)",
                         json={"events": events},
                         headers={"Authorization": f"Bearer {self.carrier['token']}", "X-Real-IP": client_address()})


class ApiChannel(FastHttpUser):
    """A sales channel's system on the REST API of issue 15 (token from
    ``manage.py api_client_create``, written into the fixtures by load/run.sh): pushes orders
    with an Idempotency-Key (now and then sending one again, as a client that lost the answer
    would: the stored answer comes back, no second order), polls its orders by status, reads one."""

    weight = 2
    wait_time = between(1, 3)

    def on_start(self):
        api = FIXTURES.get("api")
        self.headers = {"Authorization": f"Bearer {api['token']}", "X-Real-IP": client_address()} if api else None
        self.sent: list[tuple[str, dict]] = []
        self.numbers: list[str] = []

    @task(3)
    def push_order(self):
        if self.headers is None:
            return
        if self.sent and random.random() < 0.1:
            key, body = random.choice(self.sent)  # a retry after a lost answer
        else:
            key, body = uuid.uuid4().hex, {
                "customer_code": random.choice(FIXTURES["customer_codes"]), "external_ref": f"LOAD-{uuid.uuid4().hex[:20]}",
                "lines": [{"sku": sku, "quantity": random.randint(1, 5)}
                          for sku in random.sample(FIXTURES["skus"], k=random.randint(1, 3))],
            }
            self.sent = (self.sent + [(key, body)])[-20:]
        with self.client.post("/api/v1/orders/", name="/api/v1/orders/ (POST)", json=body, catch_response=True,
                              headers={**self.headers, "Idempotency-Key": key}) as response:
            if response.status_code != 201:
                response.failure(f"order not created ({response.status_code})")
            else:
                self.numbers = ([response.json()["number"]] + self.numbers)[:40]

    @task(2)
    def poll_orders(self):
        if self.headers is None:
            return
        params = random.choice(["", "?status=pending_review", "?status=allocated", "?page_size=20"])
        self.client.get(f"/api/v1/orders/{params}", name="/api/v1/orders/?filters", headers=self.headers)

    @task(2)
    def read_order(self):
        if self.headers is None or not self.numbers:
            return
        self.client.get(f"/api/v1/orders/{random.choice(self.numbers)}/", name="/api/v1/orders/[number]/",
                        headers=self.headers)
