"""The one parser and the form fields behind every money and quantity input."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django import forms

from ordermgmt.errors import InvalidInput
from ordermgmt.money import MoneyField, QuantityField, parse_money, parse_quantity

D = Decimal
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("raw, expected", [
    ("1280", D("1280.00")), (" 1,280.50 ", D("1280.50")), ("¥99", D("99.00")), ("１２元", D("12.00")),
    (D("7.1"), D("7.10")), (3, D("3.00")), ("9999999999.99", D("9999999999.99")),
])
def test_parse_money_reads_what_clerks_type(raw, expected):
    assert parse_money(raw, label="金额", max_digits=12) == expected


@pytest.mark.parametrize("raw, message", [
    ("NaN", "金额必须是数字"), ("Infinity", "金额必须是数字"), ("abc", "金额必须是数字"), ("", "金额必须是数字"),
    ("1e30", "金额不能超过 9,999,999,999.99"), ("10000000000", "金额不能超过 9,999,999,999.99"),
    ("-1", "金额不能小于 0"), ("1.234", "金额最多两位小数"),
])
def test_parse_money_refuses_with_a_sentence_naming_the_input(raw, message):
    with pytest.raises(InvalidInput) as refused:
        parse_money(raw, label="金额", max_digits=12)
    assert message in str(refused.value)


@pytest.mark.parametrize("raw, expected", [("3", 3), (" 12 ", 12), ("１２", 12), ("4.0", 4), (7, 7)])
def test_parse_quantity_reads_whole_numbers(raw, expected):
    assert parse_quantity(raw, label="数量") == expected


@pytest.mark.parametrize("raw, message", [
    ("NaN", "数量必须是整数"), ("1.5", "数量必须是整数"), ("1e30", "数量不能超过 1000000"), ("0", "数量必须是正整数"),
    ("-2", "数量必须是正整数"), ("三", "数量必须是整数"), (True, "数量必须是整数"),
])
def test_parse_quantity_refuses_with_a_sentence_naming_the_input(raw, message):
    with pytest.raises(InvalidInput) as refused:
        parse_quantity(raw, label="数量")
    assert message in str(refused.value)


def test_money_field_is_bounded_by_its_column():
    field = MoneyField(label="单价", max_digits=12)
    assert field.clean("9999999999.99") == D("9999999999.99")
    for value in ["10000000000", "NaN", "-0.01", "Infinity"]:
        with pytest.raises(forms.ValidationError):
            field.clean(value)
    assert MoneyField(required=False).clean("") is None
    assert QuantityField(min_value=1).clean("12") == 12
    with pytest.raises(forms.ValidationError):
        QuantityField(min_value=1).clean("1e30")


# --- every number input uses them -------------------------------------------------------------

APPS = ["ordermgmt", "customers", "inventory", "orders", "fulfillment", "aftersales", "integrations", "reports"]
# A form field of Django's own for numbers, or a number parsed straight from the request.
HOMEMADE_NUMBER = re.compile(
    r"forms\.(IntegerField|DecimalField|FloatField)\(|\b(int|float|Decimal)\(\s*request\.(POST|GET)"
)


def test_no_form_or_view_reads_a_number_without_the_shared_parser():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for app in APPS for path in sorted((ROOT / app).rglob("*.py")) if "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if HOMEMADE_NUMBER.search(line)
    ]
    assert offenders == [], "use ordermgmt.money (MoneyField, QuantityField, parse_money, parse_quantity)"


def test_model_forms_of_the_portal_get_the_shared_number_fields():
    from customers.forms import CustomerForm, NewCustomerForm
    from orders.views.pricing_rules import RULE_TYPES, _form_class

    model_forms = [CustomerForm, NewCustomerForm] + [_form_class(rule) for rule in RULE_TYPES.values()]
    for form_class in model_forms:
        for name, field in form_class.base_fields.items():
            if isinstance(field, (forms.IntegerField, forms.FloatField)) and not isinstance(field, forms.ChoiceField):
                assert isinstance(field, (MoneyField, QuantityField)), f"{form_class.__name__}.{name}"
