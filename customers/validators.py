"""Formats of Chinese tax and bank identifiers (for 专票)."""

import re

from django.core.exceptions import ValidationError

# GB 32100-2015 统一社会信用代码: 18 characters, the last a check character.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_LEGACY_TAX_NUMBER = re.compile(r"^[0-9A-Z]{15}$|^[0-9A-Z]{17}$|^[0-9A-Z]{20}$")


def uscc_check_character(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(char) * weight for char, weight in zip(first17, _USCC_WEIGHTS))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_tax_number(value: str) -> bool:
    value = (value or "").strip().upper()
    if len(value) == 18:
        if any(char not in _USCC_ALPHABET for char in value):
            return False
        return uscc_check_character(value[:17]) == value[17]
    return bool(_LEGACY_TAX_NUMBER.match(value))


def validate_tax_number(value: str) -> None:
    if value and not is_valid_tax_number(value):
        raise ValidationError(
            "纳税人识别号格式不正确：应为18位统一社会信用代码（校验位正确），或15/17/20位旧税号",
            code="invalid_tax_number",
        )


def normalize_bank_account(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "")


def is_valid_bank_account(value: str) -> bool:
    return bool(re.fullmatch(r"\d{8,32}", normalize_bank_account(value)))


def validate_bank_account(value: str) -> None:
    if value and not is_valid_bank_account(value):
        raise ValidationError("银行账号格式不正确：应为8到32位数字", code="invalid_bank_account")


def special_invoice_problems(customer) -> list[str]:
    """What is missing or malformed for a 专票 (VAT special invoice) to this customer."""
    problems = []
    if not is_valid_tax_number(customer.tax_number):
        problems.append("有效的纳税人识别号")
    if not (customer.bank_name or "").strip():
        problems.append("开户银行")
    if not is_valid_bank_account(customer.bank_account):
        problems.append("有效的银行账号")
    return problems
