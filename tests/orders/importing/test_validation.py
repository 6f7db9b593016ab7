"""Every validation rule, each with a file built in the test; every problem is reported."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import CustomerFactory, ProductFactory, make_order

from .conftest import good_row, xlsx
from .helpers import check, errors_at

pytestmark = pytest.mark.django_db


def test_a_correct_file_gives_its_orders_with_lines_and_totals(shop):
    plan = check(xlsx([good_row(), good_row(sku="P0002", quantity=1, unit_price=None), good_row(external_ref="PO-2")]))
    assert not plan.errors
    first, second = plan.orders
    assert first.external_ref == "PO-1" and first.rows == [2, 3] and second.rows == [4]
    assert [(l.product.sku, l.quantity, l.unit_price, l.manual_price) for l in first.lines] == [
        ("P0001", 2, Decimal("250.00"), True), ("P0002", 1, Decimal("800.00"), False)]
    # 2×250 + 800 = 1300, tax 13% = 169
    assert first.total == Decimal("1469.00")
    assert first.address.province == "浙江省" and first.address.city == "杭州市" and first.address.detail == "文三路90号"


def test_every_problem_of_the_file_is_reported_not_just_the_first(shop):
    plan = check(xlsx([
        good_row(quantity="abc"),
        good_row(external_ref="PO-2", sku="NOPE"),
        good_row(external_ref="PO-3", contact_phone="12345", unit_price=-1),
    ]))
    assert {(p.row, p.column) for p in plan.errors} == {
        (2, "数量"), (3, "商品编码"), (4, "联系电话"), (4, "单价(元)")}
    for problem in plan.errors:
        assert problem.message and problem.hint and problem.letter


def test_customer_is_found_by_full_name_or_by_code_whatever_the_width_of_brackets(shop):
    CustomerFactory(name="北京华兴（集团）有限公司", code="C00009")
    plan = check(xlsx([good_row(customer="C00001"), good_row(external_ref="PO-2", customer="北京华兴(集团)有限公司")]))
    assert not plan.errors
    assert [o.customer.code for o in plan.orders] == ["C00001", "C00009"]


def test_an_unknown_customer_without_new_customer_details_is_an_error(shop):
    plan = check(xlsx([good_row(customer="上海华兴科技", contact_name=None, contact_phone=None, address=None)]))
    assert errors_at(plan, "客户名称") == ["找不到该客户（按客户全称或客户编码查找）"]
    assert "联系人、联系电话、收货地址" in plan.errors[0].hint


def test_an_unknown_customer_with_complete_details_becomes_a_new_customer_to_confirm(shop):
    plan = check(xlsx([good_row(customer="杭州新客户科技有限公司"), good_row(customer="杭州新客户科技有限公司", sku="P0002")]))
    assert not plan.errors
    assert [c.name for c in plan.new_customers] == ["杭州新客户科技有限公司"]
    assert [w.key for w in plan.warnings] == ["new-customer:杭州新客户科技有限公司"]


def test_existing_customer_without_contact_and_address_uses_its_primary_contact_and_default_address(shop):
    plan = check(xlsx([good_row(contact_name=None, contact_phone=None, address=None)]))
    assert not plan.errors
    order = plan.orders[0]
    assert (order.contact_name, order.contact_phone) == ("张三", "13812345678")
    assert order.address.full == "上海市上海市浦东新区张江路100号"


def test_product_code_must_exist_and_be_on_sale(shop):
    ProductFactory(sku="OLD1", is_active=False)
    plan = check(xlsx([good_row(sku="NOPE"), good_row(external_ref="PO-2", sku="OLD1"), good_row(external_ref="PO-3", sku=None)]))
    messages = [(p.row, p.message) for p in plan.errors]
    assert messages[0] == (2, "商品编码不存在")
    assert messages[1][0] == 3 and messages[1][1].startswith("商品 OLD1") and messages[1][1].endswith("已停售")
    assert messages[2] == (4, "商品编码不能为空")


def test_product_name_and_spec_must_match_the_code_when_given(shop):
    plan = check(xlsx([
        good_row(product_name="办公椅", product_spec="人体工学"),
        good_row(external_ref="PO-2", product_name="办公桌"),
        good_row(external_ref="PO-3", product_spec="普通"),
    ]))
    assert [(p.row, p.column) for p in plan.errors] == [(3, "商品名称"), (4, "规格型号")]
    assert "办公椅" in plan.errors[0].message


@pytest.mark.parametrize("value, message", [
    (0, "数量必须大于0"), (-2, "数量必须大于0"), (1.5, "数量必须是整数"), ("三", "数量不是数字"),
    ("2件", "数量不是数字"), (None, "数量不能为空"), (10_000_000, "数量超过上限 1000000"),
])
def test_quantity_must_be_a_positive_integer(shop, value, message):
    assert errors_at(check(xlsx([good_row(quantity=value)])), "数量") == [message]


@pytest.mark.parametrize("value, expected", [(12, "12.00"), ("12.5", "12.50"), ("¥1,200.00", "1200.00"), (0, "0.00"),
                                             (0.1 + 0.2, "0.30")])
def test_price_accepts_amounts_with_at_most_two_decimals(shop, value, expected):
    plan = check(xlsx([good_row(unit_price=value)]))
    assert not plan.errors
    assert str(plan.orders[0].lines[0].unit_price) == expected


@pytest.mark.parametrize("value, message", [
    (-1, "单价不能为负数"), (12.345, "单价最多两位小数"), ("十元", "单价不是金额"), ("NaN", "单价不是金额"),
    (1e30, "单价过大"), ("1e30", "单价过大"), ("10000000000", "单价过大"),
])
def test_price_must_be_a_non_negative_amount_with_at_most_two_decimals(shop, value, message):
    assert errors_at(check(xlsx([good_row(unit_price=value)])), "单价(元)") == [message]


def test_empty_price_comes_from_the_pricing_rules_and_a_filled_one_is_manual(shop):
    from django.utils import timezone

    from orders.models import ContractPrice

    ContractPrice.objects.create(customer=shop["customer"], product=shop["chair"], unit_price=Decimal("280.00"),
                                 valid_from=timezone.localdate())
    plan = check(xlsx([good_row(unit_price=None, quantity=4), good_row(external_ref="PO-2", unit_price="199.00")]))
    first, second = plan.orders
    assert (first.lines[0].unit_price, first.lines[0].manual_price) == (Decimal("280.00"), False)
    assert (second.lines[0].unit_price, second.lines[0].manual_price) == (Decimal("199.00"), True)
    assert first.total == Decimal("1265.60")  # 4 × 280 = 1,120 + 13%


def test_special_invoice_needs_the_customers_tax_details(shop):
    shop["customer"].tax_number = ""
    shop["customer"].save()
    plan = check(xlsx([good_row(invoice_type="专票", invoice_title="上海华兴科技有限公司")]))
    assert any("开具专票需要客户的" in message for message in errors_at(plan, "发票类型"))


@pytest.mark.parametrize("phone, stored", [("138 1234 5678", "13812345678"), ("010-87654321", "010-87654321"),
                                           (13812345678, "13812345678")])
def test_phone_is_normalised(shop, phone, stored):
    assert check(xlsx([good_row(contact_phone=phone)])).orders[0].contact_phone == stored


@pytest.mark.parametrize("phone", ["12345", "2345678901234", "电话"])
def test_phone_format_is_checked(shop, phone):
    assert errors_at(check(xlsx([good_row(contact_phone=phone)])), "联系电话") == ["电话号码格式不正确"]


def test_delivery_date_accepts_dates_text_and_excel_serials(shop):
    future = shop["future"]
    serial = (future - date(1899, 12, 30)).days
    plan = check(xlsx([
        good_row(delivery_date=future),
        good_row(external_ref="PO-2", delivery_date=future.strftime("%Y/%m/%d")),
        good_row(external_ref="PO-3", delivery_date=f"{future.year}年{future.month}月{future.day}日"),
        good_row(external_ref="PO-4", delivery_date=serial),
    ]))
    assert not plan.errors
    assert {o.delivery_date for o in plan.orders} == {future}


def test_delivery_date_must_be_a_date_and_not_in_the_past(shop):
    yesterday = timezone.localdate() - timedelta(days=1)
    plan = check(xlsx([good_row(delivery_date="下周"), good_row(external_ref="PO-2", delivery_date=yesterday),
                       good_row(external_ref="PO-3", delivery_date="2026-02-30")]))
    assert [p.message for p in plan.errors] == ["日期格式不正确", f"期望交付日期早于今天（{timezone.localdate():%Y-%m-%d}）",
                                                "日期不存在"]


def test_enumerations_come_from_the_lists(shop):
    plan = check(xlsx([good_row(urgent="是", invoice_type="专票", invoice_title="上海华兴科技有限公司", payment_method="月结"),
                       good_row(external_ref="PO-2", urgent="很急", invoice_type="电子票", payment_method="支付宝")]))
    assert [(p.row, p.column) for p in plan.errors] == [(3, "加急"), (3, "发票类型"), (3, "付款方式")]
    assert "是 / 否" in plan.errors[0].hint
    order = plan.orders[0]
    assert (order.urgent, order.invoice_type, order.payment_method) == (True, "special", "monthly")


def test_an_invoice_needs_a_title(shop):
    assert errors_at(check(xlsx([good_row(invoice_type="普票")])), "发票抬头") == ["开具发票时必须填写发票抬头"]


def test_rows_of_the_same_external_ref_must_agree_on_customer_and_address(shop):
    CustomerFactory(name="另一家公司")
    plan = check(xlsx([
        good_row(),
        good_row(customer="另一家公司", sku="P0002"),
        good_row(address="上海市浦东新区张江路1号"),
        good_row(customer=None, address=None, sku="P0002"),  # blank on a follow-up row: inherits
    ]))
    assert [(p.row, p.column) for p in plan.errors] == [(3, "客户名称"), (4, "收货地址")]
    assert "第2行" in plan.errors[0].message


def test_an_address_without_province_or_detail_is_an_error(shop):
    plan = check(xlsx([good_row(address="张江路100号"), good_row(external_ref="PO-2", address="上海市浦东新区")]))
    assert [p.message for p in plan.errors] == ["收货地址无法识别省和市", "收货地址缺少街道门牌等详细地址"]


def test_an_order_already_imported_for_the_customer_is_refused_as_a_duplicate(shop):
    existing = make_order(customer=shop["customer"], external_ref="PO-1")
    plan = check(xlsx([good_row(), good_row(external_ref="PO-2")]))
    assert [(p.row, p.column) for p in plan.errors] == [(2, "外部单号")]
    assert existing.number in plan.errors[0].message


def test_the_same_external_ref_for_another_customer_is_not_a_duplicate(shop):
    make_order(customer=CustomerFactory(), external_ref="PO-1")
    assert not check(xlsx([good_row()])).errors


def test_without_external_ref_same_content_as_today_for_the_customer_is_a_warning(shop):
    existing = make_order(customer=shop["customer"], lines=[(shop["chair"], 2, Decimal("250.00"))])
    plan = check(xlsx([good_row(external_ref=None), good_row(external_ref=None, quantity=3)]))
    assert not plan.errors
    assert [(w.row, w.key) for w in plan.warnings] == [(2, f"same-as-order:2:{existing.number}")]


def test_without_external_ref_identical_rows_in_the_file_are_a_warning(shop):
    plan = check(xlsx([good_row(external_ref=None), good_row(external_ref=None)]))
    assert [w.message for w in plan.warnings] == ["与本文件第2行的订单内容相同（同一客户、相同商品、数量和单价）"]


def test_too_long_texts_are_reported(shop):
    plan = check(xlsx([good_row(external_ref="X" * 51)]))
    assert errors_at(plan, "外部单号") == ["内容过长（51 个字，最多 50 个）"]
