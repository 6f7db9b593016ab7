"""Customers in and out of the Django admin as spreadsheets (django-import-export)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from ordermgmt.errors import BusinessError
from ordermgmt.money import to_money
from ordermgmt.spreadsheets import FormulaSafeResourceMixin

from .models import Customer, CustomerLevel
from .services import customer_credit_limit_change


class ChoiceLabelWidget(widgets.Widget):
    """Choices as the clerk reads them (普通 / 重要 / VIP); the stored value is accepted too."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.to_value = {str(label): value for value, label in choices} | {value: value for value, _ in choices}
        self.to_label = {value: str(label) for value, label in choices}

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            return None
        if text not in self.to_value:
            raise ValueError(f"“{text}”不是可选的值，可选：{' / '.join(self.to_label.values())}")
        return self.to_value[text]

    def render(self, value, obj=None, **kwargs):
        return self.to_label.get(value, value or "")


class CustomerResource(FormulaSafeResourceMixin, resources.ModelResource):
    code = fields.Field(attribute="code", column_name="客户编码")
    name = fields.Field(attribute="name", column_name="客户全称")
    level = fields.Field(attribute="level", column_name="客户等级", widget=ChoiceLabelWidget(CustomerLevel.choices))
    credit_limit = fields.Field(attribute="credit_limit", column_name="信用额度(元)", widget=widgets.DecimalWidget())
    payment_terms_days = fields.Field(attribute="payment_terms_days", column_name="账期(天)",
                                      widget=widgets.IntegerWidget())
    tax_number = fields.Field(attribute="tax_number", column_name="纳税人识别号")
    bank_name = fields.Field(attribute="bank_name", column_name="开户银行")
    bank_account = fields.Field(attribute="bank_account", column_name="银行账号")
    owner = fields.Field(attribute="owner", column_name="负责销售(用户名)",
                         widget=widgets.ForeignKeyWidget(get_user_model(), "username"))
    notes = fields.Field(attribute="notes", column_name="备注")

    class Meta:
        model = Customer
        fields = ("code", "name", "level", "credit_limit", "payment_terms_days", "tax_number", "bank_name",
                  "bank_account", "owner", "notes")
        import_id_fields = ("code",)
        clean_model_instances = True  # the model's validators (unique name, credit ≥ 0) run on each row
        skip_unchanged = True
        report_skipped = True

    def after_init_instance(self, instance, new, row, **kwargs):
        # The limit before the row is applied: a change goes through the credit-limit service.
        instance._limit_before_import = None if new else instance.credit_limit

    def before_save_instance(self, instance, row, **kwargs):
        """A changed credit limit is set by ``customer_credit_limit_change`` — recorded with the
        file as its reason and the importing user, refused to those who may not change limits
        (the row is reported, nothing of it saved)."""
        before = getattr(instance, "_limit_before_import", None)
        if before is None or to_money(instance.credit_limit) == to_money(before):
            return
        if self._is_dry_run(kwargs) and not self._is_using_transactions(kwargs):
            return  # a preview that cannot be rolled back writes nothing
        reason = f"客户导入 {kwargs.get('file_name') or ''}".strip()
        try:
            customer_credit_limit_change(user=kwargs.get("user"), customer=Customer.objects.get(pk=instance.pk),
                                         new_limit=instance.credit_limit, reason=reason)
        except BusinessError as error:
            raise ValidationError({"credit_limit": str(error)}) from error
