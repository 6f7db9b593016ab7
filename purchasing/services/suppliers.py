"""Suppliers: master data, approval, qualification documents, supplied products."""

from datetime import date, timedelta
from decimal import Decimal

import filetype
from django.db import transaction
from django.utils import timezone
from stdnum.cn import uscc

from ordermgmt.domain_events import publish
from ordermgmt.errors import ActionForbidden, InvalidInput
from ordermgmt.policies import get_policy
from ordermgmt.uploads import CheckedImage, check_image

from ..domain_events import SupplierQualificationExpiring
from ..models import QUALIFICATION_FOLDER, Supplier, SupplierProduct, SupplierQualification, SupplierStatus
from ..policies import QUALIFICATION_WARNING_DAYS

SUPPLIER_FIELDS = ("name", "credit_code", "contact_name", "contact_phone", "email", "address", "note")
CREDIT_CODE_ALPHABET = set("0123456789ABCDEFGHJKLMNPQRTUWXY")
# A scanned licence is a photo or a PDF; PDFs are checked by their signature like recordings are.
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def credit_code_clean(raw: str) -> str:
    """The 统一社会信用代码 in its 18-character form, or ``InvalidInput`` saying what is wrong.

    GB 32100-2015: registering authority (1 character), organisation type (1), region (6
    digits), organisation code (9) and the check character over the first 17 (weights 3^i
    mod 31, computed by python-stdnum). The first two may be letters (Y, N, A …), which
    stdnum's own ``validate`` refuses, so the format is checked here."""
    code = uscc.compact(raw or "").upper()
    if len(code) != 18:
        raise InvalidInput(f"统一社会信用代码应为18位，输入的是{len(code)}位")
    if any(c not in CREDIT_CODE_ALPHABET for c in code) or not code[2:8].isdigit():
        raise InvalidInput(f"统一社会信用代码 {code} 格式不正确：只含数字和大写字母（不含 I、O、Z、S、V），第3–8位为行政区划码")
    if code[-1] != uscc.calc_check_digit(code[:17]):
        raise InvalidInput(f"统一社会信用代码 {code} 校验位不正确，请核对营业执照")
    return code


def _check(user, permission: str, message: str) -> None:
    if user is not None and not user.has_perm(permission):
        raise ActionForbidden(message)


def _clean_fields(data: dict) -> dict:
    values = {key: (data.get(key) or "").strip() for key in SUPPLIER_FIELDS if key in data}
    if "name" in values and not values["name"]:
        raise InvalidInput("请填写供应商名称")
    if "credit_code" in values:
        values["credit_code"] = credit_code_clean(values["credit_code"])
    return values


def _refuse_duplicate(values: dict, supplier_pk=None) -> None:
    others = Supplier.objects.exclude(pk=supplier_pk)
    if "credit_code" in values and others.filter(credit_code=values["credit_code"]).exists():
        raise InvalidInput(f"统一社会信用代码 {values['credit_code']} 已登记为供应商“"
                           f"{others.get(credit_code=values['credit_code']).name}”")
    if "name" in values and others.filter(name=values["name"]).exists():
        raise InvalidInput(f"供应商“{values['name']}”已存在")


@transaction.atomic
def supplier_create(*, user, data: dict) -> Supplier:
    """A new supplier, 待审核 until a 主管 approves it."""
    _check(user, "purchasing.add_supplier", "您的角色没有权限登记供应商")
    values = _clean_fields(data)
    if "credit_code" not in values:
        raise InvalidInput("请填写统一社会信用代码")
    _refuse_duplicate(values)
    return Supplier.objects.create(**values)


@transaction.atomic
def supplier_update(*, supplier: Supplier, user, data: dict) -> Supplier:
    _check(user, "purchasing.change_supplier", "您的角色没有权限修改供应商资料")
    values = _clean_fields(data)
    locked = Supplier.objects.select_for_update().get(pk=supplier.pk)
    _refuse_duplicate(values, supplier_pk=locked.pk)
    for key, value in values.items():
        setattr(locked, key, value)
    locked.save()
    return locked


@transaction.atomic
def supplier_approve(*, supplier: Supplier, user) -> Supplier:
    """已批准: only with at least one qualification document in force."""
    _check(user, "purchasing.approve_supplier", "只有主管可以审核供应商")
    locked = Supplier.objects.select_for_update().get(pk=supplier.pk)
    today = timezone.localdate()
    if not locked.qualifications.filter(expires_on__gte=today).exists():
        raise InvalidInput(f"供应商“{locked.name}”没有有效期内的资质文件，请先上传营业执照等资质再批准")
    locked.status, locked.approved_by, locked.approved_at = SupplierStatus.APPROVED, user, timezone.now()
    locked.save(update_fields=["status", "approved_by", "approved_at"])
    return locked


@transaction.atomic
def supplier_disable(*, supplier: Supplier, user, reason: str) -> Supplier:
    """已停用: no new purchase order; the open ones stay (goods on the way still arrive)."""
    _check(user, "purchasing.approve_supplier", "只有主管可以停用供应商")
    if not (reason or "").strip():
        raise InvalidInput("停用供应商必须填写原因")
    locked = Supplier.objects.select_for_update().get(pk=supplier.pk)
    locked.status = SupplierStatus.DISABLED
    locked.note = f"停用：{reason.strip()}"[:300]
    locked.save(update_fields=["status", "note"])
    return locked


def supplier_check_orderable(supplier: Supplier, today: date | None = None) -> None:
    """Refuse a purchase order from a supplier that is not approved or whose qualification
    has expired, saying which and what to do."""
    if supplier.status != SupplierStatus.APPROVED:
        raise InvalidInput(f"供应商“{supplier.name}”{supplier.get_status_display()}，不能下采购单：需主管审核批准")
    expired = supplier.expired_qualifications(today)
    if expired:
        names = "、".join(f"{q.name}（{q.expires_on:%Y-%m-%d} 到期）" for q in expired)
        raise InvalidInput(f"供应商“{supplier.name}”的资质已过期：{names}。请上传更新后的资质文件再下单")


def read_document(uploaded, *, label: str = "资质文件") -> CheckedImage:
    """A scan (JPG/PNG/WEBP, checked by Pillow) or a PDF (checked by its signature)."""
    if uploaded.size is not None and uploaded.size > MAX_DOCUMENT_BYTES:
        raise InvalidInput(f"{label}太大：{uploaded.size / 1024 / 1024:.1f} MB，最大 10 MB")
    uploaded.seek(0)
    content = uploaded.read(MAX_DOCUMENT_BYTES + 1)
    kind = filetype.guess(content)
    if kind is not None and kind.mime == "application/pdf":
        return CheckedImage(content, "pdf", "application/pdf", 0, 0)
    try:
        return check_image(content, label=label)
    except InvalidInput as refused:
        if "不是有效的图片" in str(refused):
            raise InvalidInput(f"{label}只接受 PDF 或 JPG、PNG、WEBP 图片") from None
        raise


@transaction.atomic
def qualification_add(*, supplier: Supplier, user, name: str, document: CheckedImage,
                      expires_on: date) -> SupplierQualification:
    _check(user, "purchasing.add_supplierqualification", "您的角色没有权限上传供应商资质")
    if not (name or "").strip():
        raise InvalidInput("请填写资质名称（如 营业执照、生产许可证）")
    if expires_on is None:
        raise InvalidInput("请填写资质有效期")
    return SupplierQualification.objects.create(
        supplier=supplier, name=name.strip(), document=document.as_file(QUALIFICATION_FOLDER),
        content_type=document.content_type, expires_on=expires_on, uploaded_by=user,
    )


@transaction.atomic
def supplier_product_set(*, supplier: Supplier, user, product, price: Decimal, lead_time_days: int) -> SupplierProduct:
    """What the supplier charges for the product (per base unit) and how long it takes."""
    _check(user, "purchasing.change_supplierproduct", "您的角色没有权限维护供货商品")
    if price is None or price < 0:
        raise InvalidInput("采购单价不能为负数")
    if lead_time_days is None or lead_time_days < 0:
        raise InvalidInput("采购周期(天)不能为负数")
    offer, _ = SupplierProduct.objects.update_or_create(
        supplier=supplier, product=product, defaults={"price": price, "lead_time_days": lead_time_days}
    )
    return offer


def _warning_stage(days_left: int) -> str:
    """Told when the window opens, a week before, and once expired — not every day."""
    if days_left < 0:
        return "expired"
    return "week" if days_left <= 7 else "window"


@transaction.atomic
def qualifications_warn_expiring(*, today: date | None = None) -> int:
    """The daily check: every qualification of a supplier still in use (待审核 or 已批准)
    that expires within the warning window, or has expired, is announced. Returns how many."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=get_policy(QUALIFICATION_WARNING_DAYS))
    due = (SupplierQualification.objects.filter(expires_on__lte=horizon)
           .exclude(supplier__status=SupplierStatus.DISABLED).select_related("supplier"))
    count = 0
    for qualification in due:
        days_left = qualification.days_left(today)
        publish(SupplierQualificationExpiring(qualification=qualification, days_left=days_left,
                                              stage=_warning_stage(days_left)))
        count += 1
    return count
