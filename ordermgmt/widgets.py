"""Form widgets every app uses for dates and times.

The browser's date pickers only accept ISO 8601 values (``2026-05-17``,
``2026-05-17T09:30``); Django would otherwise render the first input format of the active
language — ``2026/05/17`` in Chinese — which the browser drops, so a form shown again
for editing would come back with its dates empty.
"""

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME_MINUTES = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=ISO_DATE)


class DateTimeInput(forms.DateTimeInput):
    """A ``datetime-local`` picker to the minute; pair it with ``input_formats=[ISO_DATETIME_MINUTES]``."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=ISO_DATETIME_MINUTES)
