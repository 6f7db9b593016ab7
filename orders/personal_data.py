"""What orders hold about a customer's people, for a data-subject request (customers/personal_data.py)."""

from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from customers.personal_data import ERASED, register_personal_data, rows
from ordermgmt.errors import InvalidTransition

from .models import Order
from .states import FINAL_STATUSES


def order_receivers(customer) -> dict:
    orders = Order.objects.filter(customer=customer).order_by("created_at")
    return {"orders": rows(orders, [
        "number", "created_at", "status", "contact_name", "contact_phone", "contact_email",
        "ship_province", "ship_city", "ship_district", "ship_address", "invoice_title",
    ])}


def erase_order_receivers(customer) -> dict:
    """The receiver of every order (name, phone, e-mail, street); amounts and invoices stay.
    Refused while an order is open: its goods still have to reach someone."""
    orders = Order.objects.select_for_update().filter(customer=customer).order_by("pk")
    open_numbers = [order.number for order in orders if order.status not in FINAL_STATUSES]
    if open_numbers:
        raise InvalidTransition(
            f"客户还有未结束的订单（{'、'.join(open_numbers[:5])}{' 等' if len(open_numbers) > 5 else ''}），"
            "需要收货信息完成履约；请在订单完成、取消或关闭后再删除个人信息"
        )
    erased = orders.update(contact_name=ERASED, contact_phone="", contact_email="", ship_address="",
                           contact_name_index="", contact_phone_index="",
                           anonymised_at=Coalesce("anonymised_at", Value(timezone.now())))
    return {"orders": erased}


def register() -> None:
    register_personal_data(order_receivers, erase_order_receivers)
