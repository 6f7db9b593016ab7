"""The complaint categories, kept by a 主管: add, rename, reorder, switch off, and record
what was done about a category's causes (改进措施, shown in the analysis)."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from ordermgmt.errors import InvalidInput

from ..models import ComplaintCategory
from .common import check

MANAGE = "servicedesk.change_complaintcategory"


@transaction.atomic
def category_create(*, user, name: str, parent: ComplaintCategory | None = None) -> ComplaintCategory:
    check(user, "servicedesk.add_complaintcategory", "新增投诉分类")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("请填写分类名称")
    if parent is not None and parent.parent_id is not None:
        raise InvalidInput("子分类下不能再建分类")
    try:
        with transaction.atomic():
            return ComplaintCategory.objects.create(name=name[:40], parent=parent)
    except IntegrityError as error:
        raise InvalidInput(f"分类“{name}”已存在") from error


@transaction.atomic
def category_update(*, user, category: ComplaintCategory, name: str, position: int, is_active: bool) -> ComplaintCategory:
    check(user, MANAGE, "修改投诉分类")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("请填写分类名称")
    locked = ComplaintCategory.objects.select_for_update().get(pk=category.pk)
    locked.name, locked.position, locked.is_active = name[:40], position, is_active
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError as error:
        raise InvalidInput(f"分类“{name}”已存在") from error
    return locked


@transaction.atomic
def category_improvement_update(*, user, category: ComplaintCategory, improvement: str) -> ComplaintCategory:
    """改进措施: what was done about the causes of this category's complaints."""
    check(user, MANAGE, "填写改进措施")
    locked = ComplaintCategory.objects.select_for_update().get(pk=category.pk)
    locked.improvement = (improvement or "").strip()[:2000]
    locked.improvement_updated_at, locked.improvement_updated_by = timezone.now(), user
    locked.save(update_fields=["improvement", "improvement_updated_at", "improvement_updated_by"])
    return locked
