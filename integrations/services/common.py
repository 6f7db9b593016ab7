"""What the integration services share."""

from ordermgmt.errors import ActionForbidden


def check_permission(user, perm: str, what: str) -> None:
    """``user=None`` is the system (a management command, the API acting for a client)."""
    if user is not None and not user.has_perm(perm):
        raise ActionForbidden(f"您的角色没有权限{what}")


# The scoped-cache kind (``ordermgmt.scoped_cache``) of the active webhook subscriptions with
# their clients; a service changing a subscription or a client (its scopes, its active flag)
# forgets it.
SUBSCRIPTIONS = "integrations.active_webhook_subscriptions"
