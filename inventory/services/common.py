"""What the stock-operation services (transfers, counts, warehouse rules) start with."""

from ordermgmt.errors import ActionForbidden


def check_permission(user, perm: str, what: str) -> None:
    """``user`` None is the system (a replenishment proposal, the demo); a person needs ``perm``."""
    if user is not None and not user.has_perm(perm):
        raise ActionForbidden(f"您的角色没有权限{what}")
