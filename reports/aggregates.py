"""Percentiles computed by the database.

PostgreSQL has ``PERCENTILE_CONT``; SQLite (dev mode) has not, so there the k-th values are
read with ORDER BY … LIMIT 1 OFFSET k and interpolated the same way PERCENTILE_CONT does.
Either way no order is loaded into Python.
"""

import math
from datetime import timedelta

from django.db import connection
from django.db.models import Aggregate, Avg, Count, DurationField, ExpressionWrapper, QuerySet


class PercentileCont(Aggregate):
    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def _kth(queryset: QuerySet, index: int) -> timedelta:
    return queryset.order_by("span").values_list("span", flat=True)[index]


def duration_stats_many(queryset: QuerySet, expressions: dict, fractions=(0.5, 0.9)) -> dict[str, dict]:
    """``duration_stats`` of several durations over the same rows; on PostgreSQL in one scan."""
    if connection.vendor != "postgresql":
        return {key: duration_stats(queryset, expression, fractions) for key, expression in expressions.items()}
    aggregates = {}
    for key, expression in expressions.items():
        span = ExpressionWrapper(expression, output_field=DurationField())
        aggregates[f"{key}__n"] = Count(span)
        aggregates[f"{key}__avg"] = Avg(span)
        for fraction in fractions:
            aggregates[f"{key}__p{int(fraction * 100)}"] = PercentileCont(span, fraction)
    row = queryset.aggregate(**aggregates)
    result: dict[str, dict] = {}
    for name, value in row.items():
        key, stat = name.split("__")
        result.setdefault(key, {})[stat] = value if stat == "n" else _hours(value)
    return result


def duration_stats(queryset: QuerySet, expression, fractions=(0.5, 0.9)) -> dict:
    """Count, average and percentiles of ``expression`` (a duration) over ``queryset``, in hours."""
    spans = queryset.annotate(span=ExpressionWrapper(expression, output_field=DurationField())).filter(
        span__isnull=False
    )
    if connection.vendor == "postgresql":
        result = spans.aggregate(
            n=Count("id"), avg=Avg("span"),
            **{f"p{int(f * 100)}": PercentileCont("span", f) for f in fractions},
        )
    else:
        result = spans.aggregate(n=Count("id"), avg=Avg("span"))
        n = result["n"]
        for fraction in fractions:
            key = f"p{int(fraction * 100)}"
            if not n:
                result[key] = None
                continue
            position = fraction * (n - 1)
            low, high = math.floor(position), math.ceil(position)
            low_value = _kth(spans, low)
            high_value = low_value if high == low else _kth(spans, high)
            result[key] = low_value + (high_value - low_value) * (position - low)
    return {key: _hours(value) if key != "n" else value for key, value in result.items()}


def _hours(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):  # some backends return microseconds
        value = timedelta(microseconds=value)
    return round(value.total_seconds() / 3600, 1)
