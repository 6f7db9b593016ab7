import pytest

from ordermgmt import roles
from orders import services as order_services
from orders.models import OrderStatus
from tests.factories import CustomerFactory, ProductFactory, UserFactory, receive


@pytest.fixture(autouse=True)
def csp_violations(context):
    """Every browser test runs its pages under the site's Content-Security-Policy: Chromium
    reports what the policy refused (an inline script or style, a foreign source) on the
    console, and any such report fails the test."""
    refused = []

    def watch(message):
        if "Content Security Policy" in message.text:
            refused.append(f"{message.location.get('url', '')}: {message.text}")

    context.on("console", watch)
    yield refused
    assert not refused, "\n".join(refused)


@pytest.fixture
def shop(transactional_db, reference_data, chromium_available):
    """Users with known passwords and a little master data, committed for the live server."""
    # A transactional test before this one flushed the tables: the role groups created by
    # the data migrations are gone and must be made again.
    roles.sync_roles()
    users = {
        "sales": UserFactory(username="wangfang", first_name="王芳", roles=[roles.SALES]),
        "reviewer": UserFactory(username="zhaolei", first_name="赵磊", roles=[roles.REVIEWER]),
    }
    customer = CustomerFactory(name="上海华兴科技有限公司")
    # Large enough (¥60,000 before tax) to need a reviewer: the threshold is ¥50,000.
    chair = ProductFactory(sku="P0001", name="办公椅", spec="人体工学", list_price="12000.00")
    desk = ProductFactory(sku="P0002", name="办公桌", spec="1.4米", list_price="12000.00")
    receive(chair, 50)
    receive(desk, 50)
    return {"users": users, "customer": customer, "products": [chair, desk]}


def login(page, live_server, username, password="pass1234"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def logout(page):
    page.click("form[action$='/accounts/logout/'] button")


def ready_to_ship(order, *, reviewer, warehouse):
    """Approve and allocate an order, whatever the automatic review already did."""
    order.refresh_from_db()
    if order.status == OrderStatus.PENDING_REVIEW:
        order_services.order_approve(order=order, user=reviewer)
        order.refresh_from_db()
    if order.status == OrderStatus.APPROVED:
        order_services.order_allocate(order=order, user=warehouse)
        order.refresh_from_db()
    return order
