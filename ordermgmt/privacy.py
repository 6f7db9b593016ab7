"""Masking of personal data in text that leaves the application: log lines, and the messages
that development backends print or write instead of sending them."""

import re

# A mainland mobile number, with or without +86: 13812345678 → 138****5678.
_MOBILE = re.compile(r"(?<![\d+])((?:\+?86[- ]?)?1[3-9]\d)\d{4}(\d{4})(?!\d)")
# An e-mail address keeps the first letter of its local part and its domain.
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")
# A value signed by django.core.signing (payload:timestamp:signature, colons maybe %3A-encoded),
# e.g. the token of a customer's tracking link: whoever reads it opens the order.
_SIGNED = re.compile(r"\.?[A-Za-z0-9_-]{6,}(?::|%3A)[A-Za-z0-9]{4,}(?::|%3A)[A-Za-z0-9_-]{20,}", re.IGNORECASE)
# Whatever stands where the tracking link's token goes, valid or not.
_TRACKING_PATH = re.compile(r"(/track/s/)[^/\s?#\"']+")


def mask_personal_data(text: str) -> str:
    text = _TRACKING_PATH.sub(r"\1***", text)
    text = _SIGNED.sub("***", text)
    text = _MOBILE.sub(r"\1****\2", text)
    return _EMAIL.sub(r"\1***@\2", text)
