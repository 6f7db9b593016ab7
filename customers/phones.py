"""Mainland China phone numbers: validation, normalisation and masking.

Parsing is delegated to ``phonenumbers`` (Google's libphonenumber metadata), so
new mobile prefixes and area codes are recognised without code changes here.
"""

import functools
import re

import phonenumbers
from django.core.exceptions import ValidationError
from phonenumbers import PhoneNumberType

_ALLOWED_TYPES = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
}
_SEPARATORS = re.compile(r"[\s\-()（）]")


# Parsing is the costly part and a batch import repeats the same few numbers; the parsed
# numbers are only read, never modified, so sharing them is safe.
@functools.lru_cache(maxsize=4096)
def _parse(raw: str):
    cleaned = _SEPARATORS.sub("", raw or "")
    if not cleaned:
        return None
    try:
        number = phonenumbers.parse(cleaned, "CN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.number_type(number) not in _ALLOWED_TYPES:
        return None
    return number


def is_valid_phone(raw: str) -> bool:
    return _parse(raw) is not None


def normalize_phone(raw: str) -> str:
    """Return the canonical form: ``13812345678`` for mobiles, ``010-87654321`` for landlines.

    Raises ``ValidationError`` with a message a clerk understands when the number is not a
    mainland mobile or landline.
    """
    number = _parse(raw)
    if number is None:
        raise ValidationError(
            "“%(value)s”不是有效的电话号码：请填写11位手机号（如 13812345678）或带区号的座机（如 010-87654321）",
            code="invalid_phone",
            params={"value": raw},
        )
    national = str(number.national_number)
    if phonenumbers.number_type(number) == PhoneNumberType.MOBILE:
        return national
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return formatted.replace(" ", "-", 1).replace(" ", "")


def validate_phone(value: str) -> None:
    normalize_phone(value)


def mask_phone(phone: str) -> str:
    """``13812345678`` → ``138****5678``; ``010-87654321`` → ``010-****4321``."""
    if not phone:
        return ""
    digits_only = re.sub(r"\D", "", phone)
    if len(digits_only) == 11 and digits_only.startswith("1"):
        return f"{digits_only[:3]}****{digits_only[-4:]}"
    if "-" in phone:
        area, local = phone.split("-", 1)
        return f"{area}-{'*' * max(len(local) - 4, 0)}{local[-4:]}"
    return f"{'*' * max(len(phone) - 4, 0)}{phone[-4:]}"


def last_four_digits(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")[-4:]
