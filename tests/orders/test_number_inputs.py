"""Every money and quantity input of the portal refuses what is not a sane number — NaN,
infinities, numbers wider than their database column, negatives, garbage — with a message a
clerk can act on, and stores nothing. A new input is one line in ``INPUTS``."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import cached_property

import pytest
import time_machine
from django import forms
from django.apps import apps
from django.contrib.messages import ERROR, get_messages
from django.utils import timezone

from aftersales import services as after_sales
from fulfillment import services as ff
from fulfillment.models import EventKind
from fulfillment.tracking import tracking_token
from inventory.models import StockAllocation
from ordermgmt import roles
from orders import services
from orders.models import Order
from tests.factories import (
    CarrierFactory,
    CustomerFactory,
    ProductFactory,
    delivered_order,
    make_order,
    receive,
    user_with_role,
)
from tests.fulfillment.conftest import ship_all

pytestmark = pytest.mark.django_db
D = Decimal

# What people (and scripts) type into number inputs that is not a usable number.
BAD_VALUES = ["NaN", "-nan", "sNaN", "Infinity", "-Infinity", "1e30", "9" * 25, "-5", "12abc", "一百"]
MANAGED_APPS = ["orders", "customers", "inventory", "fulfillment", "aftersales", "ordermgmt", "reports"]


class Scene:
    """The records the inputs act on, each made on first use (through the real services)."""

    @cached_property
    def manager(self):
        return user_with_role(roles.MANAGER)

    @cached_property
    def product(self):
        product = ProductFactory(list_price=D("100.00"))
        receive(product, 50)
        return product

    @cached_property
    def customer(self):
        return CustomerFactory()

    @cached_property
    def pending_order(self) -> Order:
        return make_order(customer=self.customer, lines=[(self.product, 2, None)])

    @cached_property
    def allocated_order(self) -> Order:
        order = services.order_approve(order=make_order(lines=[(self.product, 2, None)]), user=None)
        assert order.status == "allocated"
        return order

    @cached_property
    def shipped_order(self) -> Order:
        return services.order_ship(order=self.allocated_order, user=None)

    @cached_property
    def allocation(self) -> StockAllocation:
        return StockAllocation.objects.get(order_line__order=self.allocated_order)

    @cached_property
    def picked_list(self):
        pick_list = ff.pick_list_create(order=self.allocated_order, user=None)
        return ff.pick_list_mark_picked(pick_list=pick_list, user=None)

    @cached_property
    def open_exception(self):
        shipment = ship_all(self.allocated_order, {"warehouse": None}, CarrierFactory(code="sf"))
        ff.shipment_event_record(shipment=shipment, user=None, kind=EventKind.PICKED_UP, occurred_at=timezone.now())
        with time_machine.travel(timezone.now() + timedelta(days=30), tick=False):
            (flag, *_others) = ff.shipment_exceptions_detect()
        return flag

    @cached_property
    def batch(self):
        return self.product.batches.get()

    @cached_property
    def delivered_order(self) -> Order:
        return delivered_order(quantity=3)

    @cached_property
    def delivered_line(self):
        return self.delivered_order.lines.get()

    @cached_property
    def pending_case(self):
        return after_sales.case_open(
            order=self.delivered_order, user=None, service="return_refund", case_type="quality", description="异响",
            lines=[after_sales.CaseLineInput(self.delivered_line, 1)],
        )


def _order_form(scene: Scene, **lines) -> dict:
    data = {
        "customer": scene.customer.pk, "contact_name": "李四", "contact_phone": "13900001111",
        "ship_province": "浙江省", "ship_city": "杭州市", "ship_address": "文三路90号", "channel": "phone",
        "order_type": "stock", "priority": "normal", "invoice_type": "none", "payment_method": "bank_transfer",
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "1", "lines-MAX_NUM_FORMS": "1000",
        "lines-0-product": scene.product.pk, "lines-0-quantity": "2", "lines-0-unit_price": "",
    }
    return data | lines


def _rule_form(**values) -> Callable[[Scene], dict]:
    def build(scene: Scene) -> dict:
        today = timezone.localdate().isoformat()
        resolved = {name: value(scene) if callable(value) else value for name, value in values.items()}
        return {"valid_from": today, "is_active": "on", **resolved}
    return build


@dataclass(frozen=True)
class NumberInput:
    """One number input: where it is posted, the field, the rest of a good submission, a
    good value for the field, what it says about a bad one, and the state it must not touch
    (beyond row counts, which are compared for every table)."""

    url: Callable[[Scene], str]
    field: str | Callable[[Scene], str]
    says: str | Callable[[Scene], str]
    good: str | Callable[[Scene], str]
    form: Callable[[Scene], dict] = lambda scene: {}
    state: Callable[[Scene], object] = lambda scene: None
    method: str = "post"
    extra: dict = field(default_factory=dict)

    def field_name(self, scene: Scene) -> str:
        return self.field(scene) if callable(self.field) else self.field

    def message(self, scene: Scene) -> str:
        return self.says(scene) if callable(self.says) else self.says

    def good_value(self, scene: Scene) -> str:
        return self.good(scene) if callable(self.good) else self.good


def _refetch(obj, *names):
    obj.refresh_from_db()
    return tuple(getattr(obj, name) for name in names)


INPUTS = {
    # orders
    "price preview: customer": NumberInput(
        lambda s: "/orders/price/", "customer", "客户", good="",
        form=lambda s: {"product": s.product.pk, "quantity": "2"}, method="get"),
    "price preview: product": NumberInput(
        lambda s: "/orders/price/", "product", "商品", good=lambda s: str(s.product.pk),
        form=lambda s: {"customer": s.customer.pk, "quantity": "2"}, method="get"),
    "price preview: quantity": NumberInput(
        lambda s: "/orders/price/", "quantity", "数量", good="3",
        form=lambda s: {"customer": s.customer.pk, "product": s.product.pk}, method="get"),
    "order entry: quantity": NumberInput(
        lambda s: "/orders/new/", "lines-0-quantity", "数量", good="3", form=_order_form),
    "order entry: unit price": NumberInput(
        lambda s: "/orders/new/", "lines-0-unit_price", "单价", good="88.00",
        form=lambda s: _order_form(s, **{"lines-0-override_reason": "老客户让利"})),
    "order edit: quantity": NumberInput(
        lambda s: f"/orders/{s.pending_order.number}/edit/", "lines-0-quantity", "数量", good="3", form=_order_form,
        state=lambda s: list(s.pending_order.lines.values_list("quantity", "unit_price"))),
    "order edit: unit price": NumberInput(
        lambda s: f"/orders/{s.pending_order.number}/edit/", "lines-0-unit_price", "单价", good="88.00",
        form=lambda s: _order_form(s, **{"lines-0-override_reason": "老客户让利"}),
        state=lambda s: list(s.pending_order.lines.values_list("quantity", "unit_price"))),
    "payment: amount": NumberInput(
        lambda s: f"/orders/{s.shipped_order.number}/payments/", "amount", "收款金额", good="100.00",
        form=lambda s: {"method": "bank_transfer"}, state=lambda s: _refetch(s.shipped_order, "paid_amount")),
    "contract price: unit price": NumberInput(
        lambda s: "/orders/pricing/contract-prices/new/", "unit_price", "合同单价", good="90.00",
        form=_rule_form(customer=lambda s: s.customer.pk, product=lambda s: s.product.pk)),
    "level discount: percent": NumberInput(
        lambda s: "/orders/pricing/level-discounts/new/", "percent_of_list", "折扣", good="95",
        form=_rule_form(level="vip")),
    "quantity break: min quantity": NumberInput(
        lambda s: "/orders/pricing/quantity-breaks/new/", "min_quantity", "起订数量", good="10",
        form=_rule_form(product=lambda s: s.product.pk, unit_price="80.00")),
    "quantity break: unit price": NumberInput(
        lambda s: "/orders/pricing/quantity-breaks/new/", "unit_price", "阶梯单价", good="80.00",
        form=_rule_form(product=lambda s: s.product.pk, min_quantity="10")),
    "promotion: percent off": NumberInput(
        lambda s: "/orders/pricing/promotions/new/", "percent_off", "减免比例", good="10",
        form=_rule_form(name="双十一", kind="percent_off")),
    "promotion: threshold": NumberInput(
        lambda s: "/orders/pricing/promotions/new/", "threshold", "门槛金额", good="1000",
        form=_rule_form(name="满减", kind="amount_off", amount_off="100")),
    "promotion: amount off": NumberInput(
        lambda s: "/orders/pricing/promotions/new/", "amount_off", "减免金额", good="100",
        form=_rule_form(name="满减", kind="amount_off", threshold="1000")),
    "freight rule: base fee": NumberInput(
        lambda s: "/orders/pricing/freight-rules/new/", "base_fee", "首重", good="12",
        form=_rule_form(province="西藏自治区", per_kg_fee="2")),
    "freight rule: per kg": NumberInput(
        lambda s: "/orders/pricing/freight-rules/new/", "per_kg_fee", "每公斤", good="2",
        form=_rule_form(province="西藏自治区", base_fee="12")),
    "freight rule: free over": NumberInput(
        lambda s: "/orders/pricing/freight-rules/new/", "free_over", "满额包邮", good="500",
        form=_rule_form(province="西藏自治区", base_fee="12", per_kg_fee="2")),
    # customers
    "new customer: credit limit": NumberInput(
        lambda s: "/customers/new/", "credit_limit", "信用额度", good="80000",
        form=lambda s: {"name": "杭州新客户有限公司", "level": "normal", "payment_terms_days": "30",
                        "contact_name": "王五", "contact_phone": "13900002222", "province": "浙江省", "city": "杭州市",
                        "detail": "文三路1号"}),
    "new customer: payment terms": NumberInput(
        lambda s: "/customers/new/", "payment_terms_days", "账期", good="60",
        form=lambda s: {"name": "杭州新客户有限公司", "level": "normal", "credit_limit": "50000",
                        "contact_name": "王五", "contact_phone": "13900002222", "province": "浙江省", "city": "杭州市",
                        "detail": "文三路1号"}),
    "customer edit: credit limit": NumberInput(
        lambda s: f"/customers/{s.customer.pk}/edit/", "credit_limit", "信用额度", good="80000",
        form=lambda s: {"name": s.customer.name, "level": "normal", "payment_terms_days": "30",
                        "credit_limit_reason": "年度信用评估"},
        state=lambda s: _refetch(s.customer, "credit_limit", "payment_terms_days")),
    "customer edit: payment terms": NumberInput(
        lambda s: f"/customers/{s.customer.pk}/edit/", "payment_terms_days", "账期", good="60",
        form=lambda s: {"name": s.customer.name, "level": "normal", "credit_limit": "50000",
                        "credit_limit_reason": "年度信用评估"},
        state=lambda s: _refetch(s.customer, "credit_limit", "payment_terms_days")),
    # inventory
    "goods receipt: quantity": NumberInput(
        lambda s: "/inventory/receive/", "quantity", "入库数量", good="5",
        form=lambda s: {"product": s.product.pk, "warehouse": s.batch.warehouse_id}),
    "stock count: counted quantity": NumberInput(
        lambda s: f"/inventory/batches/{s.batch.pk}/adjust/", "counted_quantity", "盘点数量", good="49",
        form=lambda s: {"reason": "盘点"}, state=lambda s: _refetch(s.batch, "quantity_remaining")),
    # fulfillment
    "pick list: quantity": NumberInput(
        lambda s: f"/fulfillment/picking/new/{s.allocated_order.number}/", lambda s: f"qty_{s.allocation.pk}",
        lambda s: s.allocation.batch.batch_no, good="2"),
    "packing: package count": NumberInput(
        lambda s: f"/fulfillment/picking/{s.picked_list.pk}/do/packed/", "package_count", "包裹数", good="2",
        state=lambda s: _refetch(s.picked_list, "status", "package_count")),
    "logistics exception: compensation": NumberInput(
        lambda s: f"/fulfillment/exceptions/{s.open_exception.pk}/resolve/", "compensation_amount", "赔偿金额",
        good="50.00", form=lambda s: {"resolution": "compensation"},
        state=lambda s: _refetch(s.open_exception, "status", "compensation_amount")),
    # after-sales
    "after-sales case (desk): quantity": NumberInput(
        lambda s: f"/aftersales/orders/{s.delivered_order.number}/new/", lambda s: f"qty_{s.delivered_line.pk}",
        "最多", good="1", form=lambda s: {"service": "return_refund", "case_type": "quality", "description": "异响"}),
    "after-sales case (customer): quantity": NumberInput(
        lambda s: f"/track/s/{tracking_token(s.delivered_order)}/after-sales/", lambda s: f"qty_{s.delivered_line.pk}",
        "最多", good="1", form=lambda s: {"service": "return_refund", "case_type": "quality", "description": "异响"}),
    "after-sales approval: quantity": NumberInput(
        lambda s: f"/aftersales/{s.pending_case.pk}/do/approve/", lambda s: f"qty_{s.delivered_line.pk}",
        "数量", good="2", form=lambda s: {"service": "return_refund"},
        state=lambda s: (_refetch(s.pending_case, "status"), list(s.pending_case.lines.values_list("quantity")))),
    # platform
    "policy: money threshold": NumberInput(
        lambda s: "/settings/policies/", "value", "人工审核金额阈值", good="80000",
        form=lambda s: {"key": "manual_review_threshold", "reason": "旺季"}),
    "policy: whole number": NumberInput(
        lambda s: "/settings/policies/", "value", "重复订单检查时间窗", good="48",
        form=lambda s: {"key": "duplicate_window_hours", "reason": "旺季"}),
}


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for app in MANAGED_APPS for model in apps.get_app_config(app).get_models()
    }


def _forms_in(response) -> list:
    found = []
    for context in response.context or []:
        for value in context.flatten().values():
            if isinstance(value, forms.BaseFormSet):
                found.extend(value.forms)
                found.append(value)
            elif isinstance(value, forms.BaseForm):
                found.append(value)
    return found


def _error_text(response) -> str:
    """What the user is told went wrong: a JSON error, flashed errors, or form errors
    (with the label of the field they belong to)."""
    if response["Content-Type"].startswith("application/json"):
        return response.json().get("error", "")
    told = [str(m) for m in get_messages(response.wsgi_request) if m.level == ERROR]
    for form in _forms_in(response):
        if isinstance(form, forms.BaseFormSet):
            told += [str(e) for e in form.non_form_errors()]
            continue
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            told += [f"{label}：{error}" for error in errors]
    return "；".join(told)


def _submit(client, spec: NumberInput, scene: Scene, value: str):
    """Submit like a browser: follow the redirect, so that flashed messages are shown once."""
    data = {**spec.form(scene), spec.field_name(scene): value}
    return getattr(client, spec.method)(spec.url(scene), data, follow=spec.method == "post")


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    # The customer's after-sales request allows 10 an hour; this test sends more on purpose.
    settings.RATELIMIT_ENABLE = False


@pytest.mark.parametrize("name", list(INPUTS))
def test_number_input_refuses_non_numbers_with_a_message_and_stores_nothing(client, name):
    spec = INPUTS[name]
    scene = Scene()
    client.force_login(scene.manager)
    spec.url(scene), spec.form(scene), spec.field_name(scene)  # make the records before counting
    rows, state = _row_counts(), spec.state(scene)
    for value in BAD_VALUES:
        response = _submit(client, spec, scene, value)
        assert response.status_code in (200, 400), f"{value!r}: {response.status_code}"
        told = _error_text(response)
        assert spec.message(scene) in told, f"{value!r}: told {told!r}"
        assert _row_counts() == rows, f"{value!r} stored something"
        assert spec.state(scene) == state, f"{value!r} changed {name}"
    # The same submission with a good value goes through: the refusals above were about the value.
    response = _submit(client, spec, scene, spec.good_value(scene))
    assert response.status_code == 200, response.status_code
    assert not _error_text(response), _error_text(response)
    if spec.method == "post":
        assert (_row_counts(), spec.state(scene)) != (rows, state), "the good value was not stored"


def test_price_preview_answers_400_with_the_reason_for_a_customer_that_is_not_a_number(client):
    scene = Scene()
    client.force_login(scene.manager)
    response = client.get("/orders/price/", {"customer": "abc", "product": scene.product.pk})
    assert response.status_code == 400
    assert "客户" in response.json()["error"]
    good = client.get("/orders/price/", {"customer": scene.customer.pk, "product": scene.product.pk, "quantity": "3"})
    assert good.status_code == 200 and good.json()["unit_price"] == "100.00"


def test_payment_of_nan_infinity_or_a_huge_amount_is_a_message_not_a_500(client):
    scene = Scene()
    client.force_login(scene.manager)
    for value in ["NaN", "Infinity", "1e30"]:
        response = client.post(f"/orders/{scene.shipped_order.number}/payments/", {"amount": value}, follow=True)
        assert response.status_code == 200
        assert "收款金额" in response.content.decode()
    assert not scene.shipped_order.payments.exists()


def test_the_largest_quantity_at_the_largest_price_is_refused_before_it_overflows_the_order_total(client):
    scene = Scene()
    client.force_login(scene.manager)
    form = _order_form(scene, **{"lines-0-quantity": "1000000", "lines-0-unit_price": "9999999999.99",
                                 "lines-0-override_reason": "测试"})
    response = client.post("/orders/new/", form)
    assert response.status_code == 200
    assert "超出" in _error_text(response)
    assert not Order.objects.exists()
