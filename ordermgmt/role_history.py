"""Who gave or took which role, and when: a ``RoleChange`` row for every change of a user's
groups, wherever it is made (the admin's user page, a group's page, code).

simple-history does not follow Django's own ``User.groups``; a ``m2m_changed`` receiver
(connected in ``OrdermgmtConfig.ready``) hands every change to ``role_changes_record``. The
acting user is the signed-in user of the request (simple-history's HistoryRequestMiddleware
keeps it), else nobody (a command or a migration: shown as 系统).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from simple_history.models import HistoricalRecords

from .models import RoleChange


def _acting_user():
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated and isinstance(user, get_user_model()) else None


@transaction.atomic
def role_changes_record(*, user_ids, roles, action: str, changed_by=None) -> list[RoleChange]:
    """One row per (user, role) given or taken."""
    return RoleChange.objects.bulk_create(
        RoleChange(user_id=user_id, role=role, action=action, changed_by=changed_by)
        for user_id in user_ids for role in roles
    )


def _record(*, instance, reverse: bool, pk_set, action: str) -> None:
    if reverse:  # group.user_set.add(users…)
        user_ids, roles = list(pk_set), [instance.name]
    else:  # user.groups.add(groups…)
        user_ids, roles = [instance.pk], list(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
    if user_ids and roles:
        role_changes_record(user_ids=user_ids, roles=roles, action=action, changed_by=_acting_user())


def on_groups_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action == "pre_clear":
        # What clear() is about to remove is gone after it: remember it now.
        related = instance.user_set if reverse else instance.groups
        instance._groups_being_cleared = set(related.values_list("pk", flat=True))
    elif action == "post_clear":
        _record(instance=instance, reverse=reverse, pk_set=getattr(instance, "_groups_being_cleared", set()),
                action=RoleChange.Action.REMOVED)
    elif action == "post_add" and pk_set:
        _record(instance=instance, reverse=reverse, pk_set=pk_set, action=RoleChange.Action.ADDED)
    elif action == "post_remove" and pk_set:
        _record(instance=instance, reverse=reverse, pk_set=pk_set, action=RoleChange.Action.REMOVED)


def connect() -> None:
    from django.db.models.signals import m2m_changed

    m2m_changed.connect(on_groups_changed, sender=get_user_model().groups.through,
                        dispatch_uid="ordermgmt.role_history")
