"""factory_boy factories. Orders are made through the real services, so a factory-built
order has the same lines, totals and timeline as one entered in the portal."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from customers.models import Address, Contact, Customer, CustomerLevel
from inventory.models import Product, StockType, Warehouse
from inventory.services import stock_receive
from orders.models import Order
from orders.services import LineInput, OrderDetails, order_create


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("name", locale="zh_CN")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pass1234")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            for role in extracted:
                self.groups.add(Group.objects.get(name=role))
        if create:
            self.save()


def user_with_role(role: str, username: str | None = None):
    return UserFactory(username=username or f"{role}-{UserFactory._meta.next_sequence()}", roles=[role])


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"测试客户{n}有限公司")
    level = CustomerLevel.NORMAL
    credit_limit = Decimal("100000.00")
    payment_terms_days = 30

    @factory.post_generation
    def with_contact(self, create, extracted, **kwargs):
        if create and extracted is not False:
            Contact.objects.create(customer=self, name="张三", phone="13812345678", email="zhang@example.com", is_primary=True)
            Address.objects.create(
                customer=self, province="上海市", city="上海市", district="浦东新区", detail="张江路100号", is_default=True
            )


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"WH{n}")
    name = factory.Sequence(lambda n: f"仓库{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU{n:04d}")
    name = factory.Sequence(lambda n: f"商品{n}")
    spec = "标准"
    unit = "件"
    list_price = Decimal("1.00")
    vat_rate = Decimal("0.13")
    stock_type = StockType.STOCK


def receive(product, quantity: int, *, days_ago: int = 0, warehouse=None):
    return stock_receive(
        product=product,
        warehouse=warehouse or WarehouseFactory(code="WH-TEST"),
        quantity=quantity,
        received_at=timezone.now() - timedelta(days=days_ago),
    )


def details_for(customer: Customer, **overrides) -> OrderDetails:
    values = dict(
        customer=customer,
        contact_name="张三",
        contact_phone="13812345678",
        ship_province="上海市",
        ship_city="上海市",
        ship_district="浦东新区",
        ship_address="张江路100号",
    )
    values.update(overrides)
    return OrderDetails(**values)


def make_order(*, user=None, customer=None, lines=None, **overrides) -> Order:
    """An order in 待审核 entered through ``order_create``.

    ``lines`` is a list of ``(product, quantity, unit_price)``; by default one line of a new
    product, 2 × ¥100.00. A price other than the product's rule price is entered as a
    manual price (with a reason); ``None`` prices the line by the rules.
    """
    customer = customer or CustomerFactory()
    if lines is None:
        lines = [(ProductFactory(list_price=Decimal("100.00")), 2, Decimal("100.00"))]
    return order_create(
        user=user,
        details=details_for(customer, **overrides),
        lines=[
            LineInput(product=p, quantity=q, unit_price=None if price is None else Decimal(price),
                      override_reason="测试指定价格")
            for p, q, price in lines
        ],
    )


class CarrierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "fulfillment.Carrier"
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"测试快递{n}")
    code = factory.Sequence(lambda n: f"c{n}")
    tracking_url_pattern = "https://carrier.example.com/track?no={tracking_number}"
    default_transit_days = 3


def delivered_order(*, quantity: int = 4, price: str = "100.00", stock: int = 50, customer=None, **overrides) -> Order:
    """A 现货 order walked by the system to 已交付: approved, allocated, shipped, delivered."""
    from orders import services

    product = ProductFactory(list_price=Decimal(price))
    receive(product, stock)
    order = make_order(customer=customer, lines=[(product, quantity, None)], **overrides)
    order.refresh_from_db()
    if order.status == "pending_review":  # in a transactional test the automatic review already ran
        order = services.order_approve(order=order, user=None)
    for step in (services.order_ship, services.order_start_transit, services.order_deliver):
        order = step(order=order, user=None)
    return order


def calendar_day(day, kind: str, name: str = ""):
    """One day of a year's 放假安排, written directly (the portal's services enter whole
    holidays; tests of the arithmetic need single days)."""
    from ordermgmt.models import CalendarDay, CalendarYear

    calendar_year, _ = CalendarYear.objects.get_or_create(year=day.year)
    return CalendarDay.objects.create(calendar_year=calendar_year, day=day, kind=kind, name=name)
