from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from ordermgmt.encryption import phone_blind_index

from .models import Contact, Customer, PersonalDataAccess

EVERY_CUSTOMER = "customers.view_all_customers"


def customer_visibility(user, *, through: str = "") -> Q | None:
    """The condition on customers (reached ``through`` a relation, e.g. ``"order__customer__"``)
    a user may see, or None when they see them all (``view_all_customers``): the ones they
    own (负责销售) and the unassigned ones (公海客户, for any salesperson to take on)."""
    if user.has_perm(EVERY_CUSTOMER):
        return None
    return Q(**{f"{through}owner_id": user.pk}) | Q(**{f"{through}owner__isnull": True})


def customers_visible_to(user, customers: QuerySet[Customer] | None = None) -> QuerySet[Customer]:
    """The customers a user may see (``customer_visibility``). Every page, lookup and export
    of customers goes through here; a record outside it is answered 404, so its existence is
    not confirmed."""
    customers = Customer.objects.all() if customers is None else customers
    condition = customer_visibility(user)
    return customers if condition is None else customers.filter(condition)


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


# A phone number typed into the picker names few customers; more are no longer a search.
PHONE_MATCHES = 50


def customer_picker_search(query: str = "", *, by_phone: bool = False) -> QuerySet[Customer]:
    """The customer picker: 华兴科技 by “hxkj”, “huaxing”, 华兴科技, its code or (``by_phone``,
    for users who see contacts in full) a contact's phone number.

    Index-backed at 100,000 customers: one or two characters are matched from the start of
    the initials, pinyin and name (pattern indexes), the code exactly (its unique index);
    three characters or more also anywhere in the search key (name, pinyin, initials, code —
    a trigram index on PostgreSQL); a whole phone number in the contacts' phones (their blind
    index: phones are encrypted, a part of a number finds nothing), looked up first: an OR
    with a subquery would scan every customer. The best matches first: the code or initials
    exactly, then from their start, then by name."""
    typed = (query or "").strip()
    query = typed.lower()
    customers = Customer.objects.all()
    if not query:
        return customers.order_by("name")
    found = (Q(initials__startswith=query) | Q(pinyin__startswith=query) | Q(name__startswith=typed)
             | Q(code=typed.upper()))
    if len(query) >= 3:
        found |= Q(search_key__contains=query)
    if by_phone and _looks_like_phone(query):
        owners = Contact.objects.filter(phone_index=phone_blind_index(query)).values_list("customer_id", flat=True)
        found |= Q(pk__in=list(owners[:PHONE_MATCHES]))
    rank = Case(
        When(Q(code=typed.upper()) | Q(initials=query), then=Value(0)),
        When(Q(initials__startswith=query) | Q(pinyin__startswith=query) | Q(name__startswith=typed), then=Value(1)),
        default=Value(2), output_field=IntegerField(),
    )
    return customers.filter(found).annotate(rank=rank).order_by("rank", "name", "pk")


# How many of a record's latest 显示完整信息 accesses its page shows.
RECENT_ACCESSES = 5


def personal_data_accesses_of(record, *, limit: int = RECENT_ACCESSES) -> list[PersonalDataAccess]:
    """The latest accesses to a record's full personal data (最近查看完整信息), newest first."""
    return list(PersonalDataAccess.objects.filter(record_kind=record._meta.model_name, record_id=record.pk)
                .select_related("user")[:limit])


def personal_data_access_search(*, user_id: int | None = None, kind: str = "", date_from=None,
                                date_to=None) -> QuerySet[PersonalDataAccess]:
    """The 主管's access log: every 显示完整信息, newest first, by viewer, record kind and day."""
    accesses = PersonalDataAccess.objects.select_related("user")
    if user_id:
        accesses = accesses.filter(user_id=user_id)
    if kind:
        accesses = accesses.filter(record_kind=kind)
    if date_from:
        accesses = accesses.filter(accessed_at__date__gte=date_from)
    if date_to:
        accesses = accesses.filter(accessed_at__date__lte=date_to)
    return accesses.order_by("-accessed_at", "-id")
