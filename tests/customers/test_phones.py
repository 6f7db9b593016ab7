import pytest
from django.core.exceptions import ValidationError

from customers.phones import mask_phone, normalize_phone


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("010-87654321", "010-87654321"),
        ("(021)62345678", "021-62345678"),
        ("0755 86001234", "0755-86001234"),
    ],
)
def test_mainland_mobiles_and_landlines_are_accepted_and_normalised(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "1381234567", "23812345678", "abc", "+1 650 253 0000"])
def test_other_numbers_are_refused_with_a_clear_message(raw):
    with pytest.raises(ValidationError) as error:
        normalize_phone(raw)
    assert "手机号" in error.value.messages[0]


def test_phones_are_masked_like_the_seeds_say():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("010-87654321") == "010-****4321"
    assert mask_phone("") == ""
