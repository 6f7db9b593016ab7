"""What changed, from what to what: an order edit writes old → new of every changed field on
the timeline (personal details masked), and every price rule keeps its history with who set it."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from ordermgmt import roles
from orders import services
from orders.models import ContractPrice, OrderEvent, Promotion
from tests.factories import CustomerFactory, ProductFactory, UserFactory, details_for, make_order, user_with_role

pytestmark = pytest.mark.django_db


def _edit(order, user, *, quantity=2, **changes):
    product = order.lines.get().product
    return services.order_update(
        user=user, order=order, details=details_for(order.customer, **changes),
        lines=[services.LineInput(product=product, quantity=quantity, unit_price=D("100.00"),
                                  override_reason="测试指定价格")],
    )


def test_an_order_edit_records_old_and_new_of_every_changed_field():
    sales = user_with_role(roles.SALES)
    order = make_order(user=sales)
    _edit(order, sales, quantity=3, notes="周末送货", ship_city="苏州市", priority="urgent")

    event = order.events.get(kind=OrderEvent.Kind.EDITED)
    changes = {change["field"]: (change["old"], change["new"]) for change in event.data["changes"]}
    assert changes["notes"] == ("—", "周末送货")
    assert changes["ship_city"] == ("上海市", "苏州市")
    assert changes["priority"] == ("普通", "加急")
    sku = order.lines.get().product.sku
    assert changes["lines"] == (f"{sku} × 2 @ 100.00", f"{sku} × 3 @ 100.00")
    assert set(changes) == {"notes", "ship_city", "priority", "lines"}
    assert "备注" in event.reason and "商品明细" in event.reason


def test_the_receivers_personal_details_go_onto_the_timeline_masked():
    sales = user_with_role(roles.SALES)
    order = make_order(user=sales)
    _edit(order, sales, contact_name="李四", contact_phone="13900001111", ship_address="文三路90号")

    changes = {c["field"]: (c["old"], c["new"]) for c in order.events.get(kind=OrderEvent.Kind.EDITED).data["changes"]}
    assert changes["contact_phone"] == ("138****5678", "139****1111")
    assert changes["contact_name"] == ("张*", "李*")
    assert changes["ship_address"] == ("****", "****")
    assert "13900001111" not in str(changes) and "文三路" not in str(changes)


def test_the_order_page_shows_the_old_and_new_values_of_an_edit(client):
    sales = user_with_role(roles.SALES)
    order = make_order(user=sales)
    _edit(order, sales, notes="周末送货", ship_city="苏州市")
    client.force_login(sales)
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert 'data-testid="edit-changes"' in page
    assert "上海市</span> → <span class=\"new\">苏州市" in page


def test_a_price_rule_saved_and_deactivated_in_the_portal_keeps_its_history_with_who(client):
    manager = user_with_role(roles.MANAGER, "boss-rules")
    product = ProductFactory(list_price=D("100.00"))
    customer = CustomerFactory()
    client.force_login(manager)
    url = reverse("orders:price_rule_create", args=["contract-prices"])
    form = {"customer": customer.pk, "product": product.pk, "unit_price": "90.00", "valid_from": "2026-01-01",
            "valid_to": "", "note": "HT-1", "is_active": "on"}
    assert client.post(url, form).status_code == 302
    rule = ContractPrice.objects.get()
    edit = reverse("orders:price_rule_edit", args=["contract-prices", rule.pk])
    assert client.post(edit, {**form, "unit_price": "85.00"}).status_code == 302
    client.post(reverse("orders:price_rule_deactivate", args=["contract-prices", rule.pk]))

    versions = list(rule.history.order_by("history_date", "history_id"))
    assert [v.history_type for v in versions] == ["+", "~", "~"]
    assert [v.unit_price for v in versions] == [D("90.00"), D("85.00"), D("85.00")]
    assert versions[-1].is_active is False and versions[-1].history_change_reason == "停用"
    assert {v.history_user for v in versions} == {manager}

    page = client.get(reverse("orders:price_rule_history", args=["contract-prices", rule.pk])).content.decode()
    assert "90" in page and "85" in page and "停用" in page
    assert manager.get_full_name() in page


def test_who_may_see_price_rules_may_see_their_history_and_no_one_else(client):
    promotion = Promotion.objects.create(name="双十一", kind="percent_off", percent_off=D("10"), valid_from="2026-11-01")
    url = reverse("orders:price_rule_history", args=["promotions", promotion.pk])
    client.force_login(user_with_role(roles.REVIEWER))
    assert client.get(url).status_code == 200
    client.force_login(user_with_role(roles.WAREHOUSE))
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(username="nobody-rules"))
    assert client.get(url).status_code == 403
