"""Money is Decimal, rounded half-up to the cent (the convention of Chinese invoices).

Numbers typed by people — amounts, prices, percentages, quantities, day counts — are read by
one parser each, ``parse_money`` and ``parse_quantity``, whether they come through a form
field (``MoneyField``, ``QuantityField``; ``number_formfield`` gives ModelForms the same) or
straight from a request. NaN, infinities, values wider than their database column,
negatives and garbage are refused with a sentence naming the input (``InvalidInput``),
never a 500 and never a row with a nonsense value.
"""

import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .errors import InvalidInput

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# The widest money column: order totals, payments, refunds (max_digits=14, two decimals).
MONEY_MAX_DIGITS = 14
# The most units of one product in one line, receipt, count or pick (the Excel import's too).
QUANTITY_MAX = 1_000_000
# What a clerk may type around a number: thousands separators, the currency, spaces.
_NOISE = str.maketrans("", "", ",¥元 ")


def to_money(value: Decimal | int | str) -> Decimal:
    amount = Decimal(value)
    if not amount.is_finite():
        raise InvalidInput(gettext("金额必须是数字"), code="invalid")
    try:
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # more digits than Decimal arithmetic carries
        raise InvalidInput(gettext("金额超出范围"), code="max_value") from None


def format_yuan(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"¥{to_money(value):,.2f}"


def column_limit(max_digits: int, decimal_places: int = 2) -> Decimal:
    """The largest value a ``DecimalField(max_digits, decimal_places)`` column holds."""
    return Decimal(10) ** (max_digits - decimal_places) - Decimal(1).scaleb(-decimal_places)


def fits_column(value: Decimal, field: models.DecimalField) -> bool:
    return abs(value) <= column_limit(field.max_digits, field.decimal_places)


def _as_decimal(raw) -> Decimal | None:
    """The number in ``raw`` (full-width digits, separators and ¥ allowed), or None."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, (Decimal, int)):
        return Decimal(raw)
    text = unicodedata.normalize("NFKC", str(raw)).translate(_NOISE).strip()
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _refuse(code: str, message: str, **params) -> InvalidInput:
    return InvalidInput(message % params, code=code)


def parse_money(
    raw,
    *,
    label=_("金额"),
    max_digits: int = MONEY_MAX_DIGITS,
    decimal_places: int = 2,
    minimum: Decimal | None = ZERO,
    maximum: Decimal | None = None,
) -> Decimal:
    """``raw`` as a Decimal of ``decimal_places`` places that fits a ``max_digits`` column
    and lies in [minimum, maximum]; otherwise ``InvalidInput`` naming ``label``."""
    value = _as_decimal(raw)
    if value is None or not value.is_finite():
        raise _refuse("invalid", gettext("%(label)s必须是数字，例如 1280.00"), label=label)
    limit = column_limit(max_digits, decimal_places)
    if maximum is not None:
        limit = min(limit, Decimal(maximum))
    if value > limit:
        raise _refuse("max_value", gettext("%(label)s不能超过 %(maximum)s"), label=label, maximum=f"{limit:,}")
    floor = -column_limit(max_digits, decimal_places) if minimum is None else Decimal(minimum)
    if value < floor:
        raise _refuse("min_value", gettext("%(label)s不能小于 %(minimum)s"), label=label, minimum=f"{floor:,}")
    step = Decimal(1).scaleb(-decimal_places)
    if value != value.quantize(step):
        if decimal_places == 2:
            raise _refuse("max_decimal_places", gettext("%(label)s最多两位小数"), label=label)
        raise _refuse("max_decimal_places", gettext("%(label)s最多 %(places)s 位小数"), label=label,
                      places=decimal_places)
    return value.quantize(step)


def parse_quantity(raw, *, label=_("数量"), minimum: int | None = 1, maximum: int | None = QUANTITY_MAX) -> int:
    """``raw`` as a whole number in [minimum, maximum]; otherwise ``InvalidInput`` naming
    ``label``. ``maximum`` defaults to the most units one line or receipt may hold."""
    value = _as_decimal(raw)
    if value is None or not value.is_finite() or value != value.to_integral_value():
        raise _refuse("invalid", gettext("%(label)s必须是整数"), label=label)
    ceiling = QUANTITY_MAX if maximum is None else maximum
    if value > ceiling:
        raise _refuse("max_value", gettext("%(label)s不能超过 %(maximum)s"), label=label, maximum=ceiling)
    if minimum is not None and value < minimum:
        if minimum == 1:
            raise _refuse("min_value", gettext("%(label)s必须是正整数"), label=label)
        raise _refuse("min_value", gettext("%(label)s不能小于 %(minimum)s"), label=label, minimum=minimum)
    if minimum is None and value < -ceiling:
        raise _refuse("min_value", gettext("%(label)s不能小于 %(minimum)s"), label=label, minimum=-ceiling)
    return int(value)


class _ParsedNumberField:
    """Shared by the two fields: the parser does every check, with its own messages (an
    ``error_messages`` entry given to the field replaces the one of that code)."""

    default_label = ""

    def __init__(self, **kwargs):
        self.message_overrides = dict(kwargs.get("error_messages") or {})
        validators = list(kwargs.get("validators") or ())
        super().__init__(**kwargs)
        # The parser bounds the value already; Django's range and digit validators would
        # only say the same thing again in other words.
        self.validators = [*self.default_validators, *validators]

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.parse(value, label=self.label or self.default_label)
        except InvalidInput as refused:
            message = self.message_overrides.get(refused.code, refused.message)
            raise ValidationError(message, code=refused.code) from None


class MoneyField(_ParsedNumberField, forms.DecimalField):
    """An amount (or percentage) typed by a person, bounded by its column's ``max_digits``;
    never negative unless ``min_value`` says otherwise."""

    default_label = _("金额")

    def __init__(self, *, max_digits: int = MONEY_MAX_DIGITS, decimal_places: int = 2, min_value=ZERO,
                 max_value=None, **kwargs):
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, min_value=min_value,
                         max_value=max_value, **kwargs)

    def parse(self, value, *, label) -> Decimal:
        return parse_money(value, label=label, max_digits=self.max_digits, decimal_places=self.decimal_places,
                           minimum=self.min_value, maximum=self.max_value)


class QuantityField(_ParsedNumberField, forms.IntegerField):
    """A whole number typed by a person (units, packages, days), at most ``QUANTITY_MAX``
    unless ``max_value`` says otherwise; never negative unless ``min_value`` says otherwise."""

    default_label = _("数量")

    def __init__(self, *, min_value=0, max_value=QUANTITY_MAX, **kwargs):
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def parse(self, value, *, label) -> int:
        return parse_quantity(value, label=label, minimum=self.min_value, maximum=self.max_value)


def _bounds(model_field) -> tuple:
    """The tightest fixed Min/MaxValueValidator limits of a model field (its own and the
    database range Django adds to integer columns)."""
    lows = [v.limit_value for v in model_field.validators
            if isinstance(v, MinValueValidator) and not callable(v.limit_value)]
    highs = [v.limit_value for v in model_field.validators
             if isinstance(v, MaxValueValidator) and not callable(v.limit_value)]
    return (max(lows) if lows else None), (min(highs) if highs else None)


def number_formfield(model_field, **kwargs):
    """``formfield_callback`` for ModelForms: decimal columns become a ``MoneyField`` and
    whole-number columns a ``QuantityField``, bounded by the column and its validators."""
    if model_field.choices:
        return model_field.formfield(**kwargs)
    low, high = _bounds(model_field)
    if isinstance(model_field, models.DecimalField):
        bounds = {"min_value": ZERO if low is None else low, "max_value": high}
        return model_field.formfield(form_class=MoneyField, **bounds, **kwargs)
    if isinstance(model_field, models.IntegerField):
        ceiling = QUANTITY_MAX if high is None else min(high, QUANTITY_MAX)
        return model_field.formfield(form_class=QuantityField, min_value=0 if low is None else max(low, 0),
                                     max_value=ceiling, **kwargs)
    return model_field.formfield(**kwargs)
