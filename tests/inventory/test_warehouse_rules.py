"""发货仓规则: allocation takes from the rule's warehouses only, in its order, and says why."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inventory.models import StockAllocation
from inventory.policies import WAREHOUSE_ALWAYS_SPLIT
from inventory.services import order_shortages, stock_receive
from inventory.services.warehouse_rules import parse_warehouse_codes, warehouse_rule_save
from ordermgmt.errors import InvalidInput
from ordermgmt.policies import policy_update
from orders import services
from orders.models import OrderStatus
from tests.factories import CustomerFactory, ProductFactory, UserFactory, WarehouseFactory, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def warehouses():
    return {
        "SH": WarehouseFactory(code="SH", name="上海仓"),
        "GZ": WarehouseFactory(code="GZ", name="广州仓"),
        "BJ": WarehouseFactory(code="BJ", name="北京仓"),
    }


def rule(name, codes, **condition):
    return warehouse_rule_save(user=None, name=name, warehouses=parse_warehouse_codes(codes), **condition)


def stock(product, warehouse, quantity, *, days_ago=1):
    return stock_receive(product=product, warehouse=warehouse, quantity=quantity, notify=False,
                         received_at=timezone.now() - timedelta(days=days_ago))


def allocate(order):
    """Approval allocates a 现货 order at once."""
    services.order_approve(order=order, user=None)
    order.refresh_from_db()
    return order


def warehouses_of(order):
    return {a.batch.warehouse.code for a in StockAllocation.objects.filter(order_line__order=order, state="active")}


def guangdong_order(lines, **overrides):
    details = dict(ship_province="广东省", ship_city="广州市", ship_district="天河区")
    details.update(overrides)
    return make_order(customer=CustomerFactory(credit_limit=10**9), lines=lines, **details)


def test_a_guangdong_address_is_served_from_the_guangzhou_warehouse_and_says_why(warehouses):
    product = ProductFactory()
    stock(product, warehouses["SH"], 50, days_ago=30)  # older: FIFO alone would take it
    stock(product, warehouses["GZ"], 50)
    rule("华南", "GZ, SH", province="广东省")

    order = allocate(guangdong_order([(product, 5, "1.00")]))

    assert order.status == OrderStatus.ALLOCATED
    assert warehouses_of(order) == {"GZ"}
    assert order.warehouse_note == "收货地址广东省 → 广州仓（规则：华南）"
    event = order.events.get(action="allocate")
    assert event.data["warehouse"] == order.warehouse_note


def test_single_warehouse_policy_takes_the_next_warehouse_that_can_serve_the_whole_order(warehouses):
    product = ProductFactory()
    stock(product, warehouses["GZ"], 3)
    stock(product, warehouses["SH"], 10)
    rule("华南", "GZ, SH", province="广东省")

    order = allocate(guangdong_order([(product, 5, "1.00")]))

    assert warehouses_of(order) == {"SH"}
    assert "上海仓" in order.warehouse_note and "拆分" not in order.warehouse_note


def test_when_no_single_warehouse_can_serve_the_order_it_is_split_in_the_rules_order(warehouses):
    product = ProductFactory()
    gz, sh = stock(product, warehouses["GZ"], 3), stock(product, warehouses["SH"], 4, days_ago=20)
    rule("华南", "GZ, SH", province="广东省")

    order = allocate(guangdong_order([(product, 5, "1.00")]))

    taken = {a.batch_id: a.quantity for a in StockAllocation.objects.filter(order_line__order=order)}
    assert taken == {gz.pk: 3, sh.pk: 2}  # the rule's first warehouse first, not the older batch
    assert order.warehouse_note == "收货地址广东省：单仓无法满足，拆分 → 广州仓、上海仓（规则：华南）"


def test_always_split_policy_takes_from_the_first_warehouse_before_the_next(warehouses):
    policy_update(user=UserFactory(is_superuser=True), definition=WAREHOUSE_ALWAYS_SPLIT, value="1", reason="测试")
    product = ProductFactory()
    gz, sh = stock(product, warehouses["GZ"], 3), stock(product, warehouses["SH"], 10)
    rule("华南", "GZ, SH", province="广东省")

    order = allocate(guangdong_order([(product, 5, "1.00")]))

    taken = {a.batch_id: a.quantity for a in StockAllocation.objects.filter(order_line__order=order)}
    assert taken == {gz.pk: 3, sh.pk: 2}
    assert "总是拆分" in order.warehouse_note


def test_warehouses_outside_the_rule_are_never_used(warehouses):
    product = ProductFactory()
    stock(product, warehouses["GZ"], 2)
    stock(product, warehouses["BJ"], 100)
    rule("华南", "GZ", province="广东省")
    order = guangdong_order([(product, 5, "1.00")])

    assert [s.available for s in order_shortages(order=order)] == [2]
    assert allocate(order).status == OrderStatus.APPROVED  # waits for stock
    assert not StockAllocation.objects.filter(order_line__order=order).exists()


def test_a_city_rule_beats_the_province_rule(warehouses):
    product = ProductFactory()
    for code in ("GZ", "SH"):
        stock(product, warehouses[code], 10)
    rule("华南", "GZ", province="广东省")
    rule("深圳", "SH", province="广东省", city="深圳市")

    order = allocate(guangdong_order([(product, 1, "1.00")], ship_city="深圳市", ship_district="南山区"))

    assert warehouses_of(order) == {"SH"}
    assert order.warehouse_note == "收货地址广东省深圳市 → 上海仓（规则：深圳）"


def test_a_channel_rule_beats_the_address(warehouses):
    product = ProductFactory()
    for code in ("GZ", "BJ"):
        stock(product, warehouses[code], 10)
    rule("华南", "GZ", province="广东省")
    rule("邮件订单", "BJ", channel="email")

    order = allocate(guangdong_order([(product, 1, "1.00")], channel="email"))

    assert warehouses_of(order) == {"BJ"}
    assert order.warehouse_note == "渠道 email → 北京仓（规则：邮件订单）"


def test_without_a_matching_rule_every_warehouse_is_used_oldest_first(warehouses):
    product = ProductFactory()
    old = stock(product, warehouses["BJ"], 2, days_ago=30)
    new = stock(product, warehouses["GZ"], 10)
    rule("华南", "GZ", province="广东省")

    order = allocate(make_order(customer=CustomerFactory(credit_limit=10**9), lines=[(product, 5, "1.00")]))

    taken = {a.batch_id: a.quantity for a in StockAllocation.objects.filter(order_line__order=order)}
    assert taken == {old.pk: 2, new.pk: 3}
    assert order.warehouse_note.startswith("无匹配的发货仓规则")


def test_a_rule_needs_a_condition_and_known_shipping_warehouses(warehouses):
    WarehouseFactory(code="QA", name="隔离仓", is_quarantine=True)
    with pytest.raises(InvalidInput, match="省份或下单渠道"):
        rule("空", "GZ")
    with pytest.raises(InvalidInput, match="QA"):
        parse_warehouse_codes("GZ, QA")
    with pytest.raises(InvalidInput, match="不能重复"):
        parse_warehouse_codes("GZ，gz")
    assert [w.code for w in parse_warehouse_codes("sh、GZ")] == ["SH", "GZ"]


def test_a_manager_maintains_the_rules_in_the_portal_and_a_warehouse_clerk_may_not(client, warehouses):
    from django.urls import reverse

    from inventory.models import WarehouseRule
    from ordermgmt import roles
    from tests.factories import user_with_role

    client.force_login(user_with_role(roles.WAREHOUSE))
    assert client.get(reverse("inventory:warehouse_rule_new")).status_code == 403
    client.force_login(user_with_role(roles.MANAGER))
    form = {"name": "华南", "province": "广东省", "city": "", "channel": "", "warehouses": "gz, SH",
            "min_shelf_life_days": "", "is_active": "on"}

    assert client.post(reverse("inventory:warehouse_rule_new"), form).status_code == 302

    rule = WarehouseRule.objects.get()
    assert [step.warehouse.code for step in rule.steps.all()] == ["GZ", "SH"]
    page = client.get(reverse("inventory:warehouse_rules")).content.decode()
    assert "收货地址广东省" in page and "广州仓（GZ） → 上海仓（SH）" in page
    refused = client.post(reverse("inventory:warehouse_rule_edit", args=[rule.pk]), {**form, "warehouses": "XX"})
    assert "没有可发货的仓库编码：XX" in refused.content.decode()
    client.post(reverse("inventory:warehouse_rule_delete", args=[rule.pk]))
    assert not WarehouseRule.objects.exists()
