"""Suppliers (供应商): master data, qualification documents with expiry dates, the products
they supply with price and lead time, and the approval that lets them be ordered from."""

from datetime import date

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ordermgmt.history import signed_in_user

# Qualification documents are stored here (ordermgmt.uploads), opened with this permission.
QUALIFICATION_FOLDER = "supplier-qualifications"


class SupplierStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已批准")
    DISABLED = "disabled", _("已停用")


class Supplier(models.Model):
    name = models.CharField(_("供应商名称"), max_length=120, unique=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    contact_name = models.CharField(_("联系人"), max_length=40, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    status = models.CharField(_("审核状态"), max_length=10, choices=SupplierStatus.choices, default=SupplierStatus.PENDING)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("批准人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    history = HistoricalRecords(get_user=signed_in_user)

    class Meta:
        verbose_name = _("供应商")
        verbose_name_plural = _("供应商")
        ordering = ["name"]
        permissions = [("approve_supplier", _("审核、停用供应商"))]

    def __str__(self) -> str:
        return self.name

    @property
    def is_approved(self) -> bool:
        return self.status == SupplierStatus.APPROVED

    def expired_qualifications(self, today: date | None = None) -> list["SupplierQualification"]:
        today = today or timezone.localdate()
        return [q for q in self.qualifications.all() if q.expires_on < today]


class SupplierQualification(models.Model):
    """A qualification document (营业执照, 生产许可证, ISO 9001 …) with its expiry date."""

    supplier = models.ForeignKey(Supplier, verbose_name=_("供应商"), on_delete=models.CASCADE,
                                 related_name="qualifications")
    name = models.CharField(_("资质名称"), max_length=60)
    document = models.FileField(_("资质文件"), max_length=200)
    content_type = models.CharField(max_length=60, editable=False)
    expires_on = models.DateField(_("有效期至"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("供应商资质")
        verbose_name_plural = _("供应商资质")
        ordering = ["expires_on", "id"]
        indexes = [models.Index(fields=["expires_on"])]

    def __str__(self) -> str:
        return f"{self.supplier} {self.name}（至 {self.expires_on:%Y-%m-%d}）"

    def days_left(self, today: date | None = None) -> int:
        return (self.expires_on - (today or timezone.localdate())).days


class SupplierProduct(models.Model):
    """What a supplier supplies: its price per base unit of the product and its lead time."""

    supplier = models.ForeignKey(Supplier, verbose_name=_("供应商"), on_delete=models.CASCADE, related_name="products")
    product = models.ForeignKey("inventory.Product", verbose_name=_("商品"), on_delete=models.PROTECT,
                                related_name="supplier_offers")
    price = models.DecimalField(_("采购单价(元)"), max_digits=12, decimal_places=2,
                                validators=[MinValueValidator(0)])
    lead_time_days = models.PositiveIntegerField(_("采购周期(天)"), default=7)

    class Meta:
        verbose_name = _("供货商品")
        verbose_name_plural = _("供货商品")
        ordering = ["supplier", "product"]
        constraints = [models.UniqueConstraint(fields=["supplier", "product"], name="supplier_product_once")]

    def __str__(self) -> str:
        return f"{self.supplier} · {self.product.sku} ¥{self.price}"
