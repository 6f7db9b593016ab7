"""Writes to customer master data."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ordermgmt.errors import ActionForbidden, InvalidInput
from ordermgmt.history import attribute_change
from ordermgmt.money import to_money

from .models import (
    Address,
    Contact,
    CreditLimitChange,
    Customer,
    CustomerLevel,
    DataSubjectRequest,
    PersonalDataAccess,
)
from .personal_data import collect_personal_data, erase_personal_data
from .phones import normalize_phone
from .validators import normalize_bank_account, validate_bank_account, validate_tax_number


def _clean_tax_fields(fields: dict) -> dict:
    """Normalise and validate 纳税人识别号 and 银行账号 (shown to the clerk as InvalidInput)."""
    cleaned = dict(fields)
    if "tax_number" in cleaned:
        cleaned["tax_number"] = (cleaned["tax_number"] or "").strip().upper()
    if "bank_account" in cleaned:
        cleaned["bank_account"] = normalize_bank_account(cleaned["bank_account"])
    try:
        validate_tax_number(cleaned.get("tax_number", ""))
        validate_bank_account(cleaned.get("bank_account", ""))
    except ValidationError as error:
        raise InvalidInput(error.messages[0]) from error
    return cleaned


@dataclass
class ContactInput:
    name: str
    phone: str
    email: str = ""


@dataclass
class AddressInput:
    province: str
    city: str
    detail: str
    district: str = ""


def _next_customer_code() -> str:
    last = Customer.objects.filter(code__regex=r"^C[0-9]+$").order_by("-code").values_list("code", flat=True).first()
    number = int(last[1:]) + 1 if last else 1
    return f"C{number:05d}"


def _clean_contact(contact: ContactInput) -> ContactInput:
    if not contact.name.strip():
        raise InvalidInput("联系人姓名不能为空")
    try:
        phone = normalize_phone(contact.phone)
    except ValidationError as error:
        raise InvalidInput(error.messages[0]) from error
    return ContactInput(name=contact.name.strip(), phone=phone, email=contact.email.strip())


def _clean_address(address: AddressInput) -> AddressInput:
    if not (address.province.strip() and address.city.strip() and address.detail.strip()):
        raise InvalidInput("收货地址需要填写省、市和详细地址")
    return AddressInput(
        province=address.province.strip(),
        city=address.city.strip(),
        district=address.district.strip(),
        detail=address.detail.strip(),
    )


@transaction.atomic
def customer_create(
    *,
    user,
    name: str,
    contact: ContactInput,
    address: AddressInput,
    level: str = CustomerLevel.NORMAL,
    code: str = "",
    credit_limit: Decimal | None = None,
    payment_terms_days: int | None = None,
    min_shelf_life_days: int = 0,
    notes: str = "",
    owner=None,
    tax_number: str = "",
    bank_name: str = "",
    bank_account: str = "",
) -> Customer:
    """Create a customer with its primary contact and default delivery address."""
    if user is not None and not user.has_perm("customers.add_customer"):
        raise ActionForbidden("您的角色没有权限新建客户")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("客户全称不能为空（与营业执照一致）")
    if Customer.objects.filter(name=name).exists():
        raise InvalidInput(f"客户“{name}”已存在，请直接选择该客户")
    contact = _clean_contact(contact)
    address = _clean_address(address)
    tax = _clean_tax_fields({"tax_number": tax_number, "bank_account": bank_account})
    customer = Customer(
        code=code.strip() or _next_customer_code(),
        name=name,
        level=level,
        notes=notes,
        min_shelf_life_days=min_shelf_life_days,
        owner=owner if owner is not None else user,
        tax_number=tax["tax_number"],
        bank_name=bank_name.strip(),
        bank_account=tax["bank_account"],
    )
    attribute_change(customer, user)
    if credit_limit is not None:
        customer.credit_limit = credit_limit
    if payment_terms_days is not None:
        customer.payment_terms_days = payment_terms_days
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as error:
        raise InvalidInput(f"客户编码“{customer.code}”或名称已被使用") from error
    attribute_change(Contact(customer=customer, is_primary=True, **contact.__dict__), user).save()
    attribute_change(Address(customer=customer, is_default=True, **address.__dict__), user).save()
    return customer


@transaction.atomic
def customer_update(*, user, customer: Customer, credit_limit_reason: str = "", **fields) -> Customer:
    """Edit master data; a change of the credit limit needs ``credit_limit_reason`` and is
    recorded (``CreditLimitChange``)."""
    if user is not None and not user.has_perm("customers.change_customer"):
        raise ActionForbidden("您的角色没有权限修改客户资料")
    allowed = {
        "name", "level", "credit_limit", "payment_terms_days", "min_shelf_life_days", "notes", "owner",
        "tax_number", "bank_name", "bank_account",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput(f"不能修改字段：{', '.join(sorted(unknown))}")
    fields = _clean_tax_fields(fields)
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if "name" in fields:
        fields["name"] = fields["name"].strip()
        if Customer.objects.exclude(pk=locked.pk).filter(name=fields["name"]).exists():
            raise InvalidInput(f"客户“{fields['name']}”已存在")
    if "credit_limit" in fields and to_money(fields["credit_limit"]) != locked.credit_limit:
        _record_credit_limit_change(customer=locked, user=user, new_limit=fields["credit_limit"],
                                    reason=credit_limit_reason)
    for name, value in fields.items():
        setattr(locked, name, value)
    attribute_change(locked, user).save()
    return locked


def _record_credit_limit_change(*, customer: Customer, user, new_limit, reason: str,
                                suggested_limit=None) -> CreditLimitChange:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("调整信用额度须填写原因（例如：年度信用评估、回款情况改善）")
    new_limit = to_money(new_limit)
    if new_limit < 0:
        raise InvalidInput("信用额度不能为负数")
    return CreditLimitChange.objects.create(
        customer=customer, previous_limit=customer.credit_limit, new_limit=new_limit, reason=reason[:300],
        suggested_limit=to_money(suggested_limit) if suggested_limit is not None else None, changed_by=user,
    )


@transaction.atomic
def customer_credit_limit_change(*, user, customer: Customer, new_limit: Decimal, reason: str,
                                 suggested_limit: Decimal | None = None) -> CreditLimitChange:
    """信用额度调整 by a 主管 (from the customer page, beside the limit the customer's payment
    behaviour suggests): the new limit, recorded with its reason and the suggestion shown."""
    if user is not None and not user.has_perm("customers.change_credit_limit"):
        raise ActionForbidden("只有主管可以调整信用额度")
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if to_money(new_limit) == locked.credit_limit:
        raise InvalidInput(f"新额度与当前额度相同（¥{locked.credit_limit:,.2f}），无需调整")
    change = _record_credit_limit_change(customer=locked, user=user, new_limit=new_limit, reason=reason,
                                         suggested_limit=suggested_limit)
    locked.credit_limit = change.new_limit
    attribute_change(locked, user, reason=change.reason).save()  # the master-data history shows it too
    customer.refresh_from_db()
    return change


@transaction.atomic
def contact_save(*, user, customer: Customer, contact: ContactInput, instance: Contact | None = None,
                 is_primary: bool = False) -> Contact:
    if user is not None and not user.has_perm("customers.change_customer"):
        raise ActionForbidden("您的角色没有权限修改客户资料")
    cleaned = _clean_contact(contact)
    target = instance or Contact(customer=customer)
    target.name, target.phone, target.email = cleaned.name, cleaned.phone, cleaned.email
    target.is_primary = is_primary
    if is_primary:
        customer.contacts.exclude(pk=target.pk).update(is_primary=False)
    attribute_change(target, user).save()
    _touch(customer)
    return target


@transaction.atomic
def address_save(*, user, customer: Customer, address: AddressInput, instance: Address | None = None,
                 is_default: bool = False) -> Address:
    if user is not None and not user.has_perm("customers.change_customer"):
        raise ActionForbidden("您的角色没有权限修改客户资料")
    cleaned = _clean_address(address)
    target = instance or Address(customer=customer)
    for name, value in cleaned.__dict__.items():
        setattr(target, name, value)
    target.is_default = is_default
    if is_default:
        customer.addresses.exclude(pk=target.pk).update(is_default=False)
    attribute_change(target, user).save()
    _touch(customer)
    return target


@transaction.atomic
def personal_data_export(*, user, customer: Customer, reason: str) -> dict:
    """Everything held about the customer's people, for a data-subject request (个人信息保护法
    第45条); the request is recorded with who handled it and why (not the data itself)."""
    if user is None or not user.has_perm("customers.handle_data_request"):
        raise ActionForbidden("只有主管可以处理个人信息请求")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写请求来源或原因（例如：客户来电要求查询其个人信息）")
    sections = collect_personal_data(customer)
    request = DataSubjectRequest.objects.create(
        customer=customer, kind=DataSubjectRequest.Kind.EXPORT, reason=reason[:200], handled_by=user,
        sections={name: len(section) for name, section in sections.items()},
    )
    return {"customer": customer.code, "request": request.pk, "exported_at": request.handled_at.isoformat(),
            "reason": reason, "sections": sections}


@transaction.atomic
def personal_data_erase(*, user, customer: Customer, reason: str) -> DataSubjectRequest:
    """Erase the personal data of the customer's people on their request (个人信息保护法 第47条):
    contacts, addresses, the receivers of its orders, the notices sent to them. Amounts, invoices
    and payments stay (accounting records); refused while an order is still being fulfilled."""
    if user is None or not user.has_perm("customers.handle_data_request"):
        raise ActionForbidden("只有主管可以处理个人信息请求")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写删除的依据或请求来源（例如：客户书面申请删除个人信息）")
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    counts = erase_personal_data(locked)
    return DataSubjectRequest.objects.create(
        customer=locked, kind=DataSubjectRequest.Kind.ERASE, reason=reason[:200], handled_by=user, sections=counts,
    )


def _touch(customer: Customer) -> None:
    """A contact or address changed: the customer's master data did (``updated_at``), which
    an import previewed earlier checks before it uses them."""
    Customer.objects.filter(pk=customer.pk).update(updated_at=timezone.now())


@transaction.atomic
def personal_data_access_record(*, user, record, reason: str = "") -> PersonalDataAccess:
    """显示完整信息: log that ``user`` saw the personal data of ``record`` (a customer, or an
    order of a higher app) in full. The caller has checked ``view_full_contact`` and that the
    record is visible to the user; the page then shows it (``contact_reveal_remember``)."""
    kind = record._meta.model_name
    if kind not in PersonalDataAccess.Kind.values:
        raise InvalidInput(f"没有完整信息可显示的记录类型：{kind}")
    return PersonalDataAccess.objects.create(
        user=user, record_kind=kind, record_id=record.pk, record_label=str(record)[:200],
        reason=(reason or "").strip()[:200],
    )
