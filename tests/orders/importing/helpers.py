from orders.importing.reader import read_orders_file
from orders.importing.validation import validate_rows


def check(data: bytes):
    """Read and validate a file; returns the plan."""
    return validate_rows(read_orders_file(data))


def errors_at(plan, column: str) -> list[str]:
    return [p.message for p in plan.errors if p.column == column]


def problem_rows(plan) -> set[tuple]:
    return {(p.row, p.column) for p in plan.errors}
