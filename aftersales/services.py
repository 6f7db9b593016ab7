from collections.abc import Sequence

from django.db import transaction

from ordermgmt.errors import InvalidInput

from .models import AfterSalesCase, AfterSalesPhoto, CaseType


@transaction.atomic
def after_sales_case_open(
    *, order, case_type: str, description: str, opened_by, source: str = "", photos: Sequence = ()
) -> AfterSalesCase:
    """Open a case for an order. ``photos`` are already-validated stored files
    (objects with ``file``, ``content_type`` and ``size``), shared, not copied."""
    if case_type not in CaseType.values:
        raise InvalidInput("请选择售后类型（破损、错发或少件）")
    if not (description or "").strip():
        raise InvalidInput("请填写问题描述")
    case = AfterSalesCase.objects.create(
        order=order, case_type=case_type, description=description.strip(), opened_by=opened_by, source=source
    )
    AfterSalesPhoto.objects.bulk_create(
        [AfterSalesPhoto(case=case, file=p.file.name, content_type=p.content_type, size=p.size) for p in photos]
    )
    return case
