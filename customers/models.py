from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ordermgmt.history import signed_in_user

from ordermgmt.encryption import BlindIndexField, EncryptedCharField, EncryptedEmailField, KeepsBlindIndexes

from .phones import mask_phone, validate_phone
from .privacy import ContactDetails
from .search import search_fields
from .validators import validate_bank_account, validate_tax_number


class CustomerLevel(models.TextChoices):
    NORMAL = "normal", _("普通")
    IMPORTANT = "important", _("重要")
    VIP = "vip", "VIP"


class Customer(models.Model):
    code = models.CharField(_("客户编码"), max_length=20, unique=True)
    name = models.CharField(
        _("客户全称"), max_length=200, unique=True, help_text=_("与营业执照上的名称完全一致")
    )
    level = models.CharField(_("客户等级"), max_length=16, choices=CustomerLevel.choices, default=CustomerLevel.NORMAL)
    credit_limit = models.DecimalField(
        _("信用额度(元)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("100000.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    payment_terms_days = models.PositiveIntegerField(_("账期(天)"), default=30)
    # Issue 19 (效期): batches of expiry-tracked goods expiring sooner are not allocated to this customer.
    min_shelf_life_days = models.PositiveIntegerField(
        _("最短剩余保质期(天)"), default=0, help_text=_("效期商品：剩余保质期不足此天数的批次不发给该客户；0 表示不限")
    )
    tax_number = models.CharField(_("纳税人识别号"), max_length=20, blank=True, validators=[validate_tax_number])
    bank_name = models.CharField(_("开户银行"), max_length=100, blank=True)
    bank_account = EncryptedCharField(_("银行账号"), max_length=40, blank=True, validators=[validate_bank_account])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责销售"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
    )
    notes = models.TextField(_("备注"), blank=True)
    search_key = models.CharField(max_length=600, editable=False, db_index=True, default="")
    # The name's full pinyin and initials (华兴科技 → huaxingkeji, hxkj) for the pickers.
    pinyin = models.CharField(max_length=300, editable=False, default="")
    initials = models.CharField(max_length=120, editable=False, default="")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["search_key"], get_user=signed_in_user)

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["code"]
        # On PostgreSQL the search key also has a trigram index (migration 0004) for 包含 searches.
        indexes = [models.Index(fields=["initials"], name="customer_initials_idx", opclasses=["varchar_pattern_ops"]),
                   models.Index(fields=["pinyin"], name="customer_pinyin_idx", opclasses=["varchar_pattern_ops"]),
                   models.Index(fields=["name"], name="customer_name_prefix_idx", opclasses=["varchar_pattern_ops"])]
        # Without it a user sees only the customers they own (负责销售) and those customers'
        # orders: customers/selectors.py and orders/selectors.py decide, every page asks them.
        permissions = [("view_all_customers", _("查看所有客户及其订单"))]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        for name, value in search_fields(self.name, self.code).items():
            setattr(self, name, value)
        super().save(*args, **kwargs)

    @property
    def primary_contact(self) -> "Contact | None":
        contacts = list(self.contacts.all())
        for contact in contacts:
            if contact.is_primary:
                return contact
        return contacts[0] if contacts else None

    @property
    def default_address(self) -> "Address | None":
        addresses = list(self.addresses.all())
        for address in addresses:
            if address.is_default:
                return address
        return addresses[0] if addresses else None


class Contact(KeepsBlindIndexes, models.Model):
    customer = models.ForeignKey(Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="contacts")
    name = EncryptedCharField(_("联系人"), max_length=50)
    phone = EncryptedCharField(_("联系电话"), max_length=20, validators=[validate_phone])
    email = EncryptedEmailField(_("电子邮箱"), blank=True)
    # Exact search by phone (the phone itself is encrypted).
    phone_index = BlindIndexField(source="phone")
    is_primary = models.BooleanField(_("主要联系人"), default=False)

    history = HistoricalRecords(get_user=signed_in_user)

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")
        ordering = ["-is_primary", "id"]
        # The one rule for personal contact data (see customers/privacy.py).
        permissions = [
            ("view_full_contact", _("查看完整联系方式（电话、邮箱、详细地址）")),
            ("handle_data_request", _("处理个人信息查询、导出与删除请求")),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.masked_phone}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def contact_details(self) -> ContactDetails:
        return ContactDetails(phone=self.phone, email=self.email)


class Address(models.Model):
    customer = models.ForeignKey(Customer, verbose_name=_("客户"), on_delete=models.CASCADE, related_name="addresses")
    province = models.CharField(_("省"), max_length=20)
    city = models.CharField(_("市"), max_length=30)
    district = models.CharField(_("区/县"), max_length=30, blank=True)
    detail = EncryptedCharField(_("详细地址"), max_length=200)
    is_default = models.BooleanField(_("默认地址"), default=False)

    history = HistoricalRecords(get_user=signed_in_user)

    class Meta:
        verbose_name = _("收货地址")
        verbose_name_plural = _("收货地址")
        ordering = ["-is_default", "id"]

    def __str__(self) -> str:
        return self.full_address

    @property
    def full_address(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.detail}"

    @property
    def contact_details(self) -> ContactDetails:
        return ContactDetails(province=self.province, city=self.city, district=self.district, street=self.detail)


class DataSubjectRequest(models.Model):
    """A request of a person to see (export) or erase the personal data held about them: who
    handled it, when, for which customer, and why (customers/personal_data.py)."""

    class Kind(models.TextChoices):
        EXPORT = "export", _("导出个人信息")
        ERASE = "erase", _("删除个人信息")

    customer = models.ForeignKey(Customer, verbose_name=_("客户"), on_delete=models.PROTECT,
                                 related_name="data_requests")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    reason = models.CharField(_("原因/请求来源"), max_length=200)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    handled_at = models.DateTimeField(_("处理时间"), auto_now_add=True)
    sections = models.JSONField(_("涉及内容"), default=dict, help_text=_("各部分导出或删除的记录条数（不含内容本身）"))

    class Meta:
        verbose_name = _("个人信息请求")
        verbose_name_plural = _("个人信息请求")
        ordering = ["-handled_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer} {self.get_kind_display()}"


class PersonalDataAccess(models.Model):
    """One press of 显示完整信息: who saw which record's personal data in full, when and why
    (customers/privacy.py). Read by the 主管 on the access log page and shown on the record."""

    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("客户")
        ORDER = "order", _("订单")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("查看人"), null=True,
                             on_delete=models.SET_NULL, related_name="+")
    accessed_at = models.DateTimeField(_("查看时间"), auto_now_add=True, db_index=True)
    record_kind = models.CharField(_("记录类型"), max_length=10, choices=Kind.choices)
    record_id = models.PositiveBigIntegerField(_("记录ID"))
    record_label = models.CharField(_("记录"), max_length=200, help_text=_("客户名称或订单号"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("完整信息查看记录")
        verbose_name_plural = _("完整信息查看记录")
        ordering = ["-accessed_at", "-id"]
        indexes = [models.Index(fields=["record_kind", "record_id", "-accessed_at"], name="pda_record_idx")]

    def __str__(self) -> str:
        return f"{self.get_record_kind_display()} {self.record_label}"


class CreditLimitChange(models.Model):
    """One change of a customer's credit limit (信用额度), with its reason: who changed it, from
    what to what, and the limit the payment behaviour suggested at the time (if shown)."""

    customer = models.ForeignKey(Customer, verbose_name=_("客户"), on_delete=models.CASCADE,
                                 related_name="credit_limit_changes")
    previous_limit = models.DecimalField(_("原额度"), max_digits=14, decimal_places=2)
    new_limit = models.DecimalField(_("新额度"), max_digits=14, decimal_places=2)
    suggested_limit = models.DecimalField(_("建议额度"), max_digits=14, decimal_places=2, null=True, blank=True)
    reason = models.CharField(_("调整原因"), max_length=300)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("调整人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(_("调整时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("信用额度调整")
        verbose_name_plural = _("信用额度调整")
        ordering = ["-changed_at", "-id"]
        # Setting the limit from the customer page (beside the suggested one) is the 主管's.
        permissions = [("change_credit_limit", _("调整信用额度"))]

    def __str__(self) -> str:
        return f"{self.customer} {self.previous_limit} → {self.new_limit}"
