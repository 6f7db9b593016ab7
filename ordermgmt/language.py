"""The platform's own language for what is stored or sent, whatever the UI language.

Staff may read the UI in English, but the timeline, price explanations, customer notices
and exported workbooks are records in the platform's language (settings.LANGUAGE_CODE):
a choice label (``get_status_display()``) written into them must not follow the language
of whoever happened to trigger the write.
"""

import functools

from django.conf import settings
from django.utils import translation


def platform_language():
    """Context manager: translate in settings.LANGUAGE_CODE inside the block."""
    return translation.override(settings.LANGUAGE_CODE)


def in_platform_language(func):
    """Run ``func`` with settings.LANGUAGE_CODE active (a fresh override per call, so that
    concurrent and nested calls each restore their own caller's language)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        # Already in the platform's language (every worker task, every Chinese session):
        # nothing to switch, and switching per call is costly in bulk paths (pricing
        # 10,000 import lines).
        if translation.get_language() == settings.LANGUAGE_CODE:
            return func(*args, **kwargs)
        with platform_language():
            return func(*args, **kwargs)

    return wrapper
