"""Pricing by rule: price sources and precedence, promotions, freight, tax, frozen prices."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import CustomerLevel
from inventory.models import Category
from ordermgmt import roles
from ordermgmt.errors import InvalidInput
from orders import services
from orders.models import (
    ContractPrice,
    FreightRule,
    LevelDiscount,
    OrderStatus,
    Promotion,
    QuantityBreak,
)
from orders.pricing import PriceBook, discount_label
from tests.factories import CustomerFactory, ProductFactory, details_for, receive, user_with_role

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def today():
    return timezone.localdate()


def price(customer, product, quantity=1):
    return PriceBook(customers=[customer], products=[product]).rule_price(customer=customer, product=product, quantity=quantity)


def rule_order(customer, *lines, **details):
    """An order priced entirely by the rules: lines are (product, quantity)."""
    return services.order_create(
        user=None, details=details_for(customer, **details),
        lines=[services.LineInput(product=p, quantity=q) for p, q in lines], auto_review=False,
    )


# --- price sources -------------------------------------------------------------------------

def test_list_price_when_no_rule_applies():
    customer, product = CustomerFactory(), ProductFactory(list_price=D("500.00"))
    rule = price(customer, product)
    assert (rule.unit_price, rule.source, rule.explanation) == (D("500.00"), "list", "标准价 ¥500.00")


def test_vip_level_discount_explains_itself(today):
    vip = CustomerFactory(level=CustomerLevel.VIP)
    product = ProductFactory(list_price=D("500.00"))
    LevelDiscount.objects.create(level="vip", percent_of_list=D("95"), valid_from=today)
    rule = price(vip, product)
    assert rule.unit_price == D("475.00") and rule.source == "level"
    assert rule.explanation == "VIP 价 95 折：¥500.00 → ¥475.00"
    assert price(CustomerFactory(), product).source == "list", "other levels pay the list price"


def test_level_rule_for_the_product_beats_its_category_which_beats_all(today):
    category = Category.objects.create(code="CHAIR", name="办公椅")
    product = ProductFactory(list_price=D("100.00"), category=category)
    vip = CustomerFactory(level=CustomerLevel.VIP)
    LevelDiscount.objects.create(level="vip", percent_of_list=D("98"), valid_from=today)
    assert price(vip, product).unit_price == D("98.00")
    LevelDiscount.objects.create(level="vip", category=category, percent_of_list=D("90"), valid_from=today)
    assert price(vip, product).unit_price == D("90.00")
    LevelDiscount.objects.create(level="vip", product=product, percent_of_list=D("85"), valid_from=today)
    assert price(vip, product).unit_price == D("85.00")
    assert discount_label(D("90")) == "9 折" and discount_label(D("92.5")) == "92.5 折"


def test_quantity_breaks_take_the_highest_reached(today):
    customer, product = CustomerFactory(), ProductFactory(list_price=D("10.00"), unit="箱")
    QuantityBreak.objects.create(product=product, min_quantity=10, unit_price=D("9.50"), valid_from=today)
    QuantityBreak.objects.create(product=product, min_quantity=100, unit_price=D("9.00"), valid_from=today)
    assert price(customer, product, 9).unit_price == D("10.00")
    assert price(customer, product, 10).unit_price == D("9.50")
    rule = price(customer, product, 150)
    assert rule.unit_price == D("9.00") and rule.explanation == "阶梯价（满 100 箱）：¥10.00 → ¥9.00"


def test_precedence_contract_then_level_then_break_then_list(today):
    vip = CustomerFactory(level=CustomerLevel.VIP)
    product = ProductFactory(list_price=D("100.00"))
    QuantityBreak.objects.create(product=product, min_quantity=5, unit_price=D("97.00"), valid_from=today)
    assert price(vip, product, 5).source == "break"
    LevelDiscount.objects.create(level="vip", percent_of_list=D("95"), valid_from=today)
    assert price(vip, product, 5).source == "level"
    ContractPrice.objects.create(customer=vip, product=product, unit_price=D("88.00"), valid_from=today, note="HT-2026-01")
    rule = price(vip, product, 5)
    assert (rule.unit_price, rule.source) == (D("88.00"), "contract")
    assert rule.explanation == "合同价（HT-2026-01）：¥100.00 → ¥88.00"


@pytest.mark.parametrize(
    "valid_from, valid_to, applies",
    [(0, None, True), (0, 0, True), (-10, -1, False), (1, None, False), (-5, 0, True)],
)
def test_validity_dates_at_their_edges(today, valid_from, valid_to, applies):
    customer, product = CustomerFactory(), ProductFactory(list_price=D("100.00"))
    ContractPrice.objects.create(
        customer=customer, product=product, unit_price=D("80.00"),
        valid_from=today + timedelta(days=valid_from),
        valid_to=None if valid_to is None else today + timedelta(days=valid_to),
    )
    assert (price(customer, product).source == "contract") is applies


def test_inactive_rules_do_not_apply(today):
    customer, product = CustomerFactory(), ProductFactory(list_price=D("100.00"))
    ContractPrice.objects.create(customer=customer, product=product, unit_price=D("80.00"), valid_from=today,
                                 is_active=False)
    assert price(customer, product).source == "list"


# --- promotions ------------------------------------------------------------------------------

def test_percentage_promotion_on_a_category_is_its_own_line(today):
    category = Category.objects.create(code="PAPER", name="打印纸")
    paper = ProductFactory(list_price=D("100.00"), category=category)
    other = ProductFactory(list_price=D("100.00"))
    Promotion.objects.create(name="打印纸 9 折", kind="percent_off", percent_off=D("10"), category=category, valid_from=today)
    order = rule_order(CustomerFactory(), (paper, 2), (other, 1))
    lines = list(order.lines.all())
    assert [line.discount for line in lines] == [D("20.00"), D("0.00")]
    assert order.goods_amount == D("300.00") and order.discount_amount == D("20.00")
    promo = order.adjustments.get(kind="promotion")
    assert promo.label == "打印纸 9 折" and promo.amount == D("-20.00")
    assert order.subtotal == D("280.00") and order.tax_amount == D("36.40") and order.total == D("316.40")


def test_threshold_discount_is_spread_over_lines_so_each_vat_rate_is_right(today):
    standard = ProductFactory(list_price=D("6000.00"), vat_rate=D("0.13"))
    reduced = ProductFactory(list_price=D("4000.00"), vat_rate=D("0.09"))
    Promotion.objects.create(name="满一万减五百", kind="amount_off", threshold=D("10000"), amount_off=D("500"), valid_from=today)
    order = rule_order(CustomerFactory(credit_limit=D("1000000")), (standard, 1), (reduced, 1))
    lines = list(order.lines.all())
    assert [line.discount for line in lines] == [D("300.00"), D("200.00")]
    assert [line.tax_amount for line in lines] == [D("741.00"), D("342.00")]
    assert order.discount_amount == D("500.00") and order.total == D("10583.00")
    below = rule_order(CustomerFactory(), (reduced, 2))  # ¥8,000 < threshold
    assert below.discount_amount == D("0.00")


def test_stacking_on_and_off_and_the_best_combination_wins(today):
    product = ProductFactory(list_price=D("1000.00"))
    customer = CustomerFactory(credit_limit=D("1000000"))
    ten_percent = Promotion.objects.create(name="全场 9 折", kind="percent_off", percent_off=D("10"), valid_from=today)
    big_cut = Promotion.objects.create(name="满一万减一千五", kind="amount_off", threshold=D("10000"),
                                       amount_off=D("1500"), valid_from=today)
    # Neither stacks: the better one alone (¥1,500 beats 10% of ¥10,000).
    order = rule_order(customer, (product, 10))
    assert list(order.adjustments.filter(kind="promotion").values_list("label", flat=True)) == ["满一万减一千五"]
    assert order.discount_amount == D("1500.00")

    # Both stack: 10% off first leaves ¥9,000, under the ¥10,000 threshold — so together they
    # are worth ¥1,000, less than the cut alone, which still wins.
    Promotion.objects.filter(pk__in=[ten_percent.pk, big_cut.pk]).update(stackable=True)
    order = rule_order(customer, (product, 10))
    assert order.discount_amount == D("1500.00")
    # With 12 pieces the stack reaches the threshold after the 10% and is worth ¥2,700.
    order = rule_order(customer, (product, 12))
    assert sorted(order.adjustments.filter(kind="promotion").values_list("label", flat=True)) == ["全场 9 折", "满一万减一千五"]
    assert order.discount_amount == D("2700.00")


def test_free_freight_promotion_removes_the_freight_line(today):
    FreightRule.objects.create(base_fee=D("20.00"), per_kg_fee=D("0"))
    Promotion.objects.create(name="满五百免运费", kind="free_freight", threshold=D("500"), valid_from=today)
    product = ProductFactory(list_price=D("100.00"))
    small = rule_order(CustomerFactory(), (product, 1))
    assert small.freight_amount == D("20.00")
    big = rule_order(CustomerFactory(), (product, 5))
    assert big.freight_amount == D("0.00")
    assert "满五百免运费" in big.adjustments.get(kind="freight").explanation


# --- manual override --------------------------------------------------------------------------

def test_manual_price_needs_a_reason():
    product = ProductFactory(list_price=D("100.00"))
    with pytest.raises(InvalidInput) as error:
        services.order_create(user=None, details=details_for(CustomerFactory()),
                              lines=[services.LineInput(product=product, quantity=1, unit_price=D("95.00"))])
    assert "手工改价必须填写原因" in str(error.value)


def test_price_below_floor_raises_a_price_check_only_a_manager_clears(django_capture_on_commit_callbacks):
    product = ProductFactory(list_price=D("100.00"), floor_price=D("80.00"))
    receive(product, 10)
    with django_capture_on_commit_callbacks(execute=True):
        order = services.order_create(user=user_with_role(roles.SALES), details=details_for(CustomerFactory()), lines=[
            services.LineInput(product=product, quantity=1, unit_price=D("79.00"), override_reason="清库存"),
        ])
    order.refresh_from_db()
    check = order.checks.get(name="price")
    assert check.result == "warn" and check.needs_override and "低于最低售价 ¥80.00" in check.message
    assert order.status == OrderStatus.PENDING_REVIEW and order.awaiting_manager
    override = order.events.get(action="price_override")
    assert "¥100.00" in override.reason and "¥79.00" in override.reason and "清库存" in override.reason
    services.order_override_check(order=order, user=user_with_role(roles.MANAGER), check_name="price", reason="同意清仓价")
    assert services.order_approve(order=order, user=user_with_role(roles.REVIEWER)).status == OrderStatus.ALLOCATED


def test_discount_within_the_limit_passes_and_beyond_it_needs_a_manager(django_capture_on_commit_callbacks):
    product = ProductFactory(list_price=D("100.00"))
    receive(product, 10)

    def submit(unit_price):
        with django_capture_on_commit_callbacks(execute=True):
            order = services.order_create(user=None, details=details_for(CustomerFactory()), lines=[
                services.LineInput(product=product, quantity=1, unit_price=D(unit_price), override_reason="议价"),
            ])
        order.refresh_from_db()
        return order

    assert submit("90.00").checks.get(name="price").result == "pass"  # 10% = the default limit
    beyond = submit("89.00").checks.get(name="price")
    assert beyond.result == "warn" and "低 11.0%" in beyond.message


# --- freight ---------------------------------------------------------------------------------------

def test_freight_rule_most_specific_destination_and_weight():
    FreightRule.objects.create(base_fee=D("30.00"), per_kg_fee=D("2.00"))
    FreightRule.objects.create(province="上海市", base_fee=D("10.00"), per_kg_fee=D("1.00"))
    FreightRule.objects.create(province="上海市", city="上海市", base_fee=D("8.00"), per_kg_fee=D("0.50"), free_over=D("1000"))
    product = ProductFactory(list_price=D("100.00"), weight_kg=D("2.5"))
    local = rule_order(CustomerFactory(), (product, 2))  # 5 kg
    assert local.freight_amount == D("10.50")
    freight = local.adjustments.get(kind="freight")
    assert freight.tax_amount == D("0.95") and freight.vat_rate == D("0.09")
    assert "5 kg" in freight.explanation
    far = rule_order(CustomerFactory(), (product, 2), ship_province="新疆维吾尔自治区", ship_city="乌鲁木齐市")
    assert far.freight_amount == D("40.00")
    free = rule_order(CustomerFactory(), (product, 10))
    assert free.freight_amount == D("0.00") and "包邮" in free.adjustments.get(kind="freight").explanation


def test_freight_can_be_waived_only_with_a_reason():
    FreightRule.objects.create(base_fee=D("30.00"))
    product = ProductFactory(list_price=D("100.00"))
    with pytest.raises(InvalidInput):
        rule_order(CustomerFactory(), (product, 1), freight_waived=True)
    order = rule_order(CustomerFactory(), (product, 1), freight_waived=True, freight_waiver_reason="客户自提")
    assert order.freight_amount == D("0.00")
    assert "客户自提" in order.adjustments.get(kind="freight").explanation


# --- tax -----------------------------------------------------------------------------------------

def test_three_times_33_33_at_13_percent_has_no_drift():
    product = ProductFactory(list_price=D("33.33"))
    order = rule_order(CustomerFactory(), (product, 3))
    line = order.lines.get()
    assert (line.amount, line.tax_amount) == (D("99.99"), D("13.00"))
    assert order.total == D("112.99")


@pytest.mark.parametrize("rate, tax", [("0.13", "13.00"), ("0.09", "9.00"), ("0.06", "6.00"), ("0.00", "0.00")])
def test_tax_per_rate(rate, tax):
    order = rule_order(CustomerFactory(), (ProductFactory(list_price=D("100.00"), vat_rate=D(rate)), 1))
    assert order.tax_amount == D(tax)


def test_lines_always_add_up_to_the_total_to_the_cent(today):
    rng = random.Random(3)
    Promotion.objects.create(name="满减", kind="amount_off", threshold=D("50"), amount_off=D("7.77"), valid_from=today,
                             stackable=True)
    Promotion.objects.create(name="全场", kind="percent_off", percent_off=D("3.3"), valid_from=today, stackable=True)
    FreightRule.objects.create(base_fee=D("9.99"), per_kg_fee=D("0.33"))
    customer = CustomerFactory(credit_limit=D("100000000"))
    products = [
        ProductFactory(list_price=D(rng.choice(["0.01", "0.33", "1.99", "33.33", "66.67", "99.99"])),
                       vat_rate=D(rng.choice(["0.13", "0.09", "0.06", "0.00"])), weight_kg=D("0.7"))
        for _ in range(6)
    ]
    for _ in range(40):
        order = rule_order(customer, *[(p, rng.randint(1, 37)) for p in rng.sample(products, rng.randint(1, 5))])
        lines = list(order.lines.all())
        freight = order.adjustments.get(kind="freight")
        goods = sum(l.amount - l.discount + l.tax_amount for l in lines)
        assert goods + freight.amount + freight.tax_amount == order.total
        assert order.subtotal + order.tax_amount == order.total
        assert sum(l.discount for l in lines) == -sum(a.amount for a in order.adjustments.filter(kind="promotion"))


# --- frozen at approval ----------------------------------------------------------------------------

def test_price_list_changes_never_change_an_approved_order(today):
    product = ProductFactory(list_price=D("100.00"))
    receive(product, 10)
    customer = CustomerFactory()
    order = rule_order(customer, (product, 2))
    order = services.order_approve(order=order, user=None)
    assert order.status == OrderStatus.ALLOCATED
    frozen = (order.total, list(order.lines.values_list("unit_price", "tax_amount")))

    product.list_price = D("150.00")
    product.save()
    ContractPrice.objects.create(customer=customer, product=product, unit_price=D("50.00"), valid_from=today)
    Promotion.objects.create(name="全场 5 折", kind="percent_off", percent_off=D("50"), valid_from=today)
    # An edit of the notes only keeps the approval and the prices.
    order = services.order_update(user=None, order=order, details=details_for(customer, notes="周末送货"),
                                  lines=[services.LineInput(product=product, quantity=2)])
    order.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED
    assert (order.total, list(order.lines.values_list("unit_price", "tax_amount"))) == frozen


def test_every_edit_before_approval_reprices_by_todays_rules(today):
    product = ProductFactory(list_price=D("100.00"))
    customer = CustomerFactory()
    order = rule_order(customer, (product, 2))
    ContractPrice.objects.create(customer=customer, product=product, unit_price=D("80.00"), valid_from=today)
    order = services.order_update(user=None, order=order, details=details_for(customer),
                                  lines=[services.LineInput(product=product, quantity=2)])
    assert order.lines.get().unit_price == D("80.00") and order.lines.get().price_source == "contract"


def test_editing_lines_of_an_approved_order_reprices_and_reenters_review(today):
    product = ProductFactory(list_price=D("100.00"))
    receive(product, 10)
    customer = CustomerFactory()
    order = services.order_approve(order=rule_order(customer, (product, 2)), user=None)
    product.list_price = D("120.00")
    product.save()
    order = services.order_update(user=None, order=order, details=details_for(customer),
                                  lines=[services.LineInput(product=product, quantity=3)])
    assert order.status == OrderStatus.PENDING_REVIEW
    assert order.lines.get().unit_price == D("120.00")


# --- invoices, pages, maintenance -------------------------------------------------------------

def test_special_invoice_needs_valid_tax_number_and_bank_details():
    from customers.services import customer_update
    from customers.validators import is_valid_tax_number

    customer = CustomerFactory()
    product = ProductFactory(list_price=D("100.00"))
    with pytest.raises(InvalidInput) as error:
        rule_order(customer, (product, 1), invoice_type="special", invoice_title=customer.name)
    assert "纳税人识别号" in str(error.value) and "开户银行" in str(error.value)
    with pytest.raises(InvalidInput):
        customer_update(user=None, customer=customer, tax_number="91310000MA1FL0000X")  # bad check character
    assert is_valid_tax_number("91350100M000100Y43")
    customer_update(user=None, customer=customer, tax_number="91350100m000100y43", bank_name="招商银行上海分行",
                    bank_account="6225 8801 2345 6789")
    customer.refresh_from_db()
    assert (customer.tax_number, customer.bank_account) == ("91350100M000100Y43", "6225880123456789")
    order = rule_order(customer, (product, 1), invoice_type="special", invoice_title=customer.name)
    assert order.invoice_type == "special"


def test_order_page_explains_every_price(client, today):
    vip = CustomerFactory(level=CustomerLevel.VIP)
    product = ProductFactory(list_price=D("500.00"))
    LevelDiscount.objects.create(level="vip", percent_of_list=D("95"), valid_from=today)
    FreightRule.objects.create(base_fee=D("15.00"))
    Promotion.objects.create(name="满四百减二十", kind="amount_off", threshold=D("400"), amount_off=D("20"), valid_from=today)
    order = rule_order(vip, (product, 1))
    client.force_login(user_with_role(roles.SALES))
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "VIP 价 95 折：¥500.00 → ¥475.00" in page
    assert "满四百减二十" in page and "-¥20.00" in page
    assert "运费：起步 ¥15.00" in page
    assert "13%" in page and "9%" in page  # tax per rate: goods and freight
    assert f"{order.total:,.2f}" in page


def test_manager_maintains_promotions_in_the_portal_and_sales_cannot(client, today):
    client.force_login(user_with_role(roles.SALES))
    assert client.get(reverse("orders:price_rules", args=["promotions"])).status_code == 200
    assert client.get(reverse("orders:price_rule_create", args=["promotions"])).status_code == 403
    client.force_login(user_with_role(roles.MANAGER))
    response = client.post(reverse("orders:price_rule_create", args=["promotions"]), {
        "name": "双十一满减", "kind": "amount_off", "threshold": "10000", "amount_off": "500",
        "valid_from": today.isoformat(), "is_active": "on",
    })
    assert response.status_code == 302
    promotion = Promotion.objects.get(name="双十一满减")
    bad = client.post(reverse("orders:price_rule_create", args=["promotions"]), {
        "name": "错误", "kind": "amount_off", "threshold": "100", "valid_from": today.isoformat(),
    })
    assert "满减活动必须填写门槛金额和减免金额" in bad.content.decode()
    client.post(reverse("orders:price_rule_deactivate", args=["promotions", promotion.pk]))
    promotion.refresh_from_db()
    assert not promotion.is_active
