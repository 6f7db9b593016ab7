from django.db.models import Q, QuerySet

from .models import Customer

EVERY_CUSTOMER = "customers.view_all_customers"


def customers_visible_to(user, customers: QuerySet[Customer] | None = None) -> QuerySet[Customer]:
    """The customers a user may see: all of them with ``view_all_customers``, else the ones
    they own (负责销售) and the unassigned ones (公海客户, for any salesperson to take on). Every
    page, lookup and export of customers goes through here; a record outside it is answered
    404, so its existence is not confirmed."""
    customers = Customer.objects.all() if customers is None else customers
    if user.has_perm(EVERY_CUSTOMER):
        return customers
    return customers.filter(Q(owner_id=user.pk) | Q(owner__isnull=True))


def customer_search(query: str = "") -> QuerySet[Customer]:
    """Customers matching a name, code, pinyin, initials or contact phone."""
    customers = Customer.objects.all()
    query = (query or "").strip().lower()
    if query:
        customers = customers.filter(
            Q(search_key__contains=query) | Q(name__icontains=query) | Q(contacts__phone__contains=query)
        ).distinct()
    return customers.order_by("name")
