from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from .models import Contact, Customer


def customer_search(query: str = "") -> QuerySet[Customer]:
    """Customers matching a name, code, pinyin, initials or contact phone."""
    customers = Customer.objects.all()
    query = (query or "").strip().lower()
    if query:
        customers = customers.filter(
            Q(search_key__contains=query) | Q(name__icontains=query) | Q(contacts__phone__contains=query)
        ).distinct()
    return customers.order_by("name")


def customer_picker_search(query: str = "", *, by_phone: bool = False) -> QuerySet[Customer]:
    """The customer picker: 华兴科技 by “hxkj”, “huaxing”, 华兴, its code or (``by_phone``,
    for users who see contacts in full) a contact's phone number.

    Index-backed at 100,000 customers: initials and pinyin are matched from their start
    (pattern indexes), the code exactly (its unique index); Chinese text and three letters
    or more are also looked for anywhere in the search key (name, pinyin, initials, code —
    a trigram index on PostgreSQL); digits in the contacts' phones (trigram index too). The
    best matches first: the code or initials exactly, then from their start, then by name."""
    query = (query or "").strip().lower()
    customers = Customer.objects.all()
    if not query:
        return customers.order_by("name")
    found = Q(initials__startswith=query) | Q(pinyin__startswith=query) | Q(code=query.upper())
    if len(query) >= 3 or not query.isascii():
        found |= Q(search_key__contains=query)
    if by_phone and query.isdigit() and len(query) >= 4:
        found |= Q(pk__in=Contact.objects.filter(phone__contains=query).values("customer_id"))
    rank = Case(
        When(Q(code=query.upper()) | Q(initials=query), then=Value(0)),
        When(Q(initials__startswith=query) | Q(pinyin__startswith=query), then=Value(1)),
        default=Value(2), output_field=IntegerField(),
    )
    return customers.filter(found).annotate(rank=rank).order_by("rank", "name", "pk")
