from django.db.models import Q, QuerySet

from .models import Customer


def customer_search(query: str = "") -> QuerySet[Customer]:
    """Customers matching a name, code, pinyin, initials or contact phone."""
    customers = Customer.objects.all()
    query = (query or "").strip().lower()
    if query:
        customers = customers.filter(
            Q(search_key__contains=query) | Q(name__icontains=query) | Q(contacts__phone__contains=query)
        ).distinct()
    return customers.order_by("name")
