from django.db.models import Q, QuerySet

from ordermgmt.encryption import phone_blind_index

from .models import Customer


def customer_search(query: str = "") -> QuerySet[Customer]:
    """Customers matching a name, code, pinyin or initials (the company, not a person), or a
    contact's whole phone number (its blind index: phones are encrypted)."""
    customers = Customer.objects.all()
    query = (query or "").strip().lower()
    if query:
        by_phone = Q(contacts__phone_index=phone_blind_index(query)) if _looks_like_phone(query) else Q()
        customers = customers.filter(Q(search_key__contains=query) | Q(name__icontains=query) | by_phone).distinct()
    return customers.order_by("name")


def _looks_like_phone(query: str) -> bool:
    digits = query.replace("-", "").replace(" ", "").lstrip("+")
    return digits.isdigit() and len(digits) >= 7
