"""Data-subject requests (个人信息保护法 第45、47条): everything the platform holds about the
people of a customer, exported — or erased — on request by a 主管, and recorded with who handled
it and why.

Customers know only their own records. The apps above them add what they hold about the
customer's people (orders' receivers, notices sent…) by registering, from their
``AppConfig.ready()``, a provider (named sections of rows of plain values) and an eraser
(blanks the personal fields, keeps amounts, invoices and payments — the accounting records the
law keeps — and raises a BusinessError while the law or the business needs the data, e.g. an
order still on its way).
"""

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

Section = list[dict]
Provider = Callable[["Customer"], dict[str, Section]]  # noqa: F821

Eraser = Callable[["Customer"], dict[str, int]]  # noqa: F821

_PROVIDERS: list[Provider] = []
_ERASERS: list[Eraser] = []
ERASED = "（已删除）"


def register_personal_data(provider: Provider, eraser: Eraser | None = None) -> Provider:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    if eraser is not None and eraser not in _ERASERS:
        _ERASERS.append(eraser)
    return provider


def plain(value):
    """A value as JSON carries it: dates in ISO form, money as text."""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def rows(queryset, fields: list[str]) -> Section:
    return [{name: plain(value) for name, value in row.items()} for row in queryset.values(*fields)]


def collect_personal_data(customer) -> dict[str, Section]:
    """The customer's own records, then every registered provider's sections."""
    sections = {
        "customer": rows(type(customer).objects.filter(pk=customer.pk),
                         ["code", "name", "tax_number", "bank_name", "bank_account", "notes", "created_at"]),
        "contacts": rows(customer.contacts.all(), ["name", "phone", "email", "is_primary"]),
        "addresses": rows(customer.addresses.all(), ["province", "city", "district", "detail", "is_default"]),
    }
    for provider in _PROVIDERS:
        sections.update(provider(customer))
    return sections


def erase_personal_data(customer) -> dict[str, int]:
    """Every registered eraser first (one may refuse), then the customer's contacts and
    addresses, and their history (which would keep the old values). Province and city stay for
    reports and freight; the company's own data (name, tax number, bank) is not personal data."""
    from .models import Address, Contact

    counts = {}
    for eraser in _ERASERS:
        counts.update(eraser(customer))
    counts["contacts"] = customer.contacts.update(name=ERASED, phone="", email="", phone_index="")
    counts["addresses"] = customer.addresses.update(detail="")
    Contact.history.filter(customer_id=customer.pk).delete()
    Address.history.filter(customer_id=customer.pk).delete()
    return counts
