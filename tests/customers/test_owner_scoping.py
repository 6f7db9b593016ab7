"""A 销售专员 works on the customers they own and those customers' orders; every other role
sees them all (``customers.view_all_customers``). Another salesperson's records answer
exactly as records that do not exist: nothing confirms they are there."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from aftersales import services as after_sales
from aftersales.models import Service
from customers.models import Contact, Customer
from ordermgmt import roles
from orders.models import Order, OrderEvent
from tests.factories import CustomerFactory, delivered_order, make_order, user_with_role

pytestmark = pytest.mark.django_db

MISSING_NUMBER = "209901019999"
MISSING_PK = 987654321
# The pages that take an order number or the pk of a customer, an after-sales case, its
# photo or a rating: every one is walked, so a page added later is covered too.
RECORD_NAMESPACES = {"customers", "orders", "aftersales", "fulfillment"}
PK_OWNERS = {"customers": "customer", "aftersales:case": "case", "aftersales:action": "case",
             "aftersales:photo": "photo", "aftersales:feedback_follow_up": "feedback"}


def _routes(resolver=None, namespace="", prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from _routes(entry, inner or "", prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield namespace, entry.name, prefix + str(entry.pattern), entry.pattern.converters


def record_routes():
    for namespace, name, route, converters in _routes():
        if namespace not in RECORD_NAMESPACES or not ({"number", "pk"} & set(converters)):
            continue
        if "pk" in converters and f"{namespace}:{name}" not in PK_OWNERS and namespace not in PK_OWNERS:
            continue  # desk records (pick lists, shipments, production orders): no salesperson's role opens them
        yield f"{namespace}:{name}", route, converters


SLUGS = {"action": "approve", "check": "credit", "kind": "invoice-request"}


def fill(route: str, values: dict) -> str:
    def value(match):
        name = match.group(1)
        return str(values.get(name, SLUGS.get(name, "x")))

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", value, route).lstrip("^")


@pytest.fixture
def sales_records():
    sales = user_with_role(roles.SALES, "sales")
    customer = CustomerFactory(owner=sales, name="华兴科技有限公司")
    order = delivered_order(customer=customer)
    case = after_sales.case_open(order=order, user=None, service=Service.RETURN_REFUND, case_type="quality",
                                 description="坏了", lines=[after_sales.CaseLineInput(order.lines.get(), 1)],
                                 by_customer=True)
    feedback = after_sales.feedback_submit(order=order, rating="needs_improvement", comment="慢")
    return {"sales": sales, "customer": customer, "order": order, "case": case, "feedback": feedback}


def _values(records, *, missing: bool, key: str) -> dict:
    owner = PK_OWNERS.get(key) or PK_OWNERS.get(key.split(":")[0])
    pk = MISSING_PK if missing else {"customer": records["customer"].pk, "case": records["case"].pk,
                                     "feedback": records["feedback"].pk, "photo": MISSING_PK, None: 0}[owner]
    return {"number": MISSING_NUMBER if missing else records["order"].number, "pk": pk}


def test_another_salespersons_records_answer_as_if_they_did_not_exist_on_every_page(client, sales_records):
    routes = list(record_routes())
    assert len(routes) >= 20, routes  # the walk reaches the order, customer and after-sales pages
    client.force_login(user_with_role(roles.SALES, "sales2"))
    events_before = OrderEvent.objects.count()
    contacts_before = Contact.objects.count()
    leaks = []
    for key, route, converters in routes:
        for method in ("get", "post"):
            theirs = getattr(client, method)(fill(route, _values(sales_records, missing=False, key=key)))
            missing = getattr(client, method)(fill(route, _values(sales_records, missing=True, key=key)))
            if theirs.status_code != missing.status_code or theirs.status_code not in (403, 404, 405):
                leaks.append(f"{method.upper()} {key}: {theirs.status_code} (missing record: {missing.status_code})")
    assert leaks == []
    assert OrderEvent.objects.count() == events_before and Contact.objects.count() == contacts_before


def test_the_owner_opens_the_same_pages(client, sales_records):
    client.force_login(sales_records["sales"])
    order, customer = sales_records["order"], sales_records["customer"]
    assert client.get(f"/orders/{order.number}/").status_code == 200
    assert client.get(f"/customers/{customer.pk}/").status_code == 200
    assert client.get(f"/aftersales/{sales_records['case'].pk}/").status_code == 200
    assert customer.name in client.get("/customers/?q=hxkj").content.decode()


def test_lists_searches_lookups_and_exports_leave_out_another_salespersons_customers(client, sales_records):
    order, customer = sales_records["order"], sales_records["customer"]
    own_customer = CustomerFactory(owner=user_with_role(roles.SALES, "sales2"), name="东方贸易有限公司")
    client.force_login(own_customer.owner)
    pages = {
        "customer list": client.get("/customers/").content.decode(),
        "customer search": client.get("/customers/?q=hxkj").content.decode(),
        "customer lookup": client.get("/customers/lookup/?q=华兴").content.decode("unicode_escape"),
        "order list": client.get("/orders/").content.decode(),
        "order search": client.get(f"/orders/?q={order.number}").content.decode(),
        "home queue": client.get("/").content.decode(),
        "after-sales cases": client.get("/aftersales/?status=all").content.decode(),
    }
    for page, html in pages.items():  # (the order search echoes the number typed)
        assert customer.name not in html and f"/orders/{order.number}/" not in html, page
    assert own_customer.name in pages["customer list"]
    export = client.get("/orders/export/")
    assert export.status_code == 200 and order.number.encode() not in b"".join(export.streaming_content
                                                                              if export.streaming else [export.content])


def test_an_order_cannot_be_entered_or_priced_for_another_salespersons_customer(client, sales_records):
    client.force_login(user_with_role(roles.SALES, "sales2"))
    customer = sales_records["customer"]
    price = client.get("/orders/price/", {"product": sales_records["order"].lines.get().product_id,
                                          "customer": customer.pk, "quantity": 1})
    assert price.status_code == 400 and "客户不存在" in price.json()["error"]
    before = Order.objects.count()
    page = client.post("/orders/new/", {"customer": customer.pk, "contact_name": "x"})
    assert Order.objects.count() == before and page.status_code == 200
    assert customer.name not in client.get(f"/orders/new/?customer={customer.pk}").content.decode()


@pytest.mark.parametrize("role", [roles.SERVICE, roles.REVIEWER, roles.WAREHOUSE, roles.LOGISTICS, roles.AFTER_SALES,
                                  roles.ANALYST, roles.MANAGER])
def test_every_other_role_sees_every_customer_and_order(client, sales_records, role):
    client.force_login(user_with_role(role))
    assert client.get(f"/orders/{sales_records['order'].number}/").status_code == 200
    assert client.get(f"/customers/{sales_records['customer'].pk}/").status_code == 200
    assert Customer.objects.filter(pk=sales_records["customer"].pk).exists()


def test_an_unassigned_customer_is_open_to_every_salesperson(client):
    pool = CustomerFactory(owner=None, name="公海客户有限公司")
    order = make_order(customer=pool)
    for name in ("sales", "sales2"):
        client.force_login(user_with_role(roles.SALES, name))
        assert client.get(f"/customers/{pool.pk}/").status_code == 200
        assert client.get(f"/orders/{order.number}/").status_code == 200
