"""代收货款 (COD): money a carrier collected at the door is owed by the carrier until its
remittance arrives in the bank; and what a carrier owes for goods it lost or damaged."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class CodCollection(models.Model):
    payment = models.OneToOneField("orders.Payment", verbose_name=_("收款记录"), on_delete=models.PROTECT,
                                   related_name="cod_collection")
    order = models.ForeignKey("orders.Order", verbose_name=_("订单"), on_delete=models.PROTECT, related_name="+")
    carrier = models.ForeignKey("fulfillment.Carrier", verbose_name=_("承运商"), on_delete=models.PROTECT,
                                related_name="cod_collections")
    amount = models.DecimalField(_("代收金额"), max_digits=14, decimal_places=2)
    collected_at = models.DateTimeField(_("代收时间"))
    remitted_amount = models.DecimalField(_("已回款"), max_digits=14, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        verbose_name = _("代收货款")
        verbose_name_plural = _("代收货款")
        ordering = ["collected_at", "id"]
        indexes = [models.Index(fields=["carrier", "collected_at"])]

    def __str__(self) -> str:
        return f"{self.carrier} {self.order_id} ¥{self.amount}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.remitted_amount


class CodAllocation(models.Model):
    """The part of a remittance (a statement line's match) that settles one collection,
    oldest first; a reversed match gives its allocations back."""

    match = models.ForeignKey("finance.PaymentMatch", on_delete=models.PROTECT, related_name="cod_allocations")
    collection = models.ForeignKey(CodCollection, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(max_digits=14, decimal_places=2)


class CarrierClaim(models.Model):
    """赔偿 owed by a carrier for a lost or damaged shipment: booked as a credit note on the
    order, it is a receivable from the carrier until the carrier pays."""

    exception = models.OneToOneField("fulfillment.ShipmentException", verbose_name=_("物流异常"),
                                     on_delete=models.PROTECT, related_name="carrier_claim")
    carrier = models.ForeignKey("fulfillment.Carrier", verbose_name=_("承运商"), on_delete=models.PROTECT,
                                related_name="claims")
    order = models.ForeignKey("orders.Order", verbose_name=_("订单"), on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("索赔金额"), max_digits=14, decimal_places=2)
    refund = models.OneToOneField("orders.Refund", verbose_name=_("对客户的退款/贷项"), on_delete=models.PROTECT,
                                  related_name="carrier_claim")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("承运商赔偿应收")
        verbose_name_plural = _("承运商赔偿应收")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.carrier} ¥{self.amount}"
