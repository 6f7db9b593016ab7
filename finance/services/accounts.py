"""The account codes the voucher export writes (科目映射)."""

import re

from django.db import transaction

from ordermgmt.errors import InvalidInput

from ..models import AccountMapping
from .common import check_permission

_CODE = re.compile(r"^[0-9][0-9.]{0,29}$")


@transaction.atomic
def account_mapping_update(*, user, codes: dict[str, tuple[str, str]]) -> int:
    """``codes``: {role: (code, name)}. Only a 主管 changes them."""
    check_permission(user, "finance.change_accountmapping", "修改科目映射")
    problems = [role for role, (code, name) in codes.items() if not _CODE.match(code.strip()) or not name.strip()]
    if problems:
        raise InvalidInput("科目代码应为数字（可用小数点分级），科目名称必填：" + "、".join(problems))
    changed = 0
    for mapping in AccountMapping.objects.select_for_update().filter(role__in=codes):
        code, name = (part.strip() for part in codes[mapping.role])
        if (mapping.code, mapping.name) != (code, name):
            mapping.code, mapping.name = code, name
            mapping.save(update_fields=["code", "name"])
            changed += 1
    return changed
