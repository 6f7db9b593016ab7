"""History of the platform's own settings: business rules keep every stored value with who set
it and why, and every role given or taken is recorded with who did it — from the admin, a group's
page or code alike."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from ordermgmt import policies, roles
from ordermgmt.models import PolicyValue, RoleChange
from tests.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_a_policy_change_is_in_its_history_with_who_and_why(client):
    manager = user_with_role(roles.MANAGER, "boss-policy")
    policies.policy_update(user=manager, definition=policies.SUPPORT_DAYS, value="45", reason="新合同")
    policies.policy_update(user=manager, definition=policies.SUPPORT_DAYS, value="60", reason="客户投诉")
    versions = list(PolicyValue.history.filter(key=policies.SUPPORT_DAYS.key).order_by("history_id"))
    assert [(v.value, v.history_user, v.history_change_reason) for v in versions] == [
        ("45", manager, "新合同"), ("60", manager, "客户投诉")]

    client.force_login(manager)
    page = client.get(reverse("portal:policy_history", args=[policies.SUPPORT_DAYS.key])).content.decode()
    assert "45" in page and "60" in page and "客户投诉" in page
    assert reverse("portal:policy_history", args=[policies.SUPPORT_DAYS.key]) in \
        client.get(reverse("portal:policies")).content.decode()


def test_only_who_may_see_the_business_rules_may_see_their_history(client):
    client.force_login(user_with_role(roles.SALES))
    assert client.get(reverse("portal:policy_history", args=[policies.SUPPORT_DAYS.key])).status_code == 403


def test_a_role_given_and_taken_in_the_admin_is_recorded_with_who_did_it(client):
    admin = UserFactory(username="root-roles", is_staff=True, is_superuser=True)
    clerk = user_with_role(roles.SALES, "clerk-roles")
    client.force_login(admin)
    reviewer = Group.objects.get(name=roles.REVIEWER)
    response = client.post(reverse("admin:auth_user_change", args=[clerk.pk]), {
        "username": clerk.username, "first_name": "", "last_name": "", "email": "", "is_active": "on",
        "groups": [reviewer.pk], "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
        "initial-date_joined_0": "2026-01-01", "initial-date_joined_1": "00:00:00",
    })
    assert response.status_code == 302, response.content.decode()[:2000]

    changes = {(c.role, c.action, c.changed_by) for c in RoleChange.objects.filter(user=clerk)}
    assert (roles.SALES, RoleChange.Action.ADDED, None) in changes  # the factory, no one signed in
    assert (roles.REVIEWER, RoleChange.Action.ADDED, admin) in changes
    assert (roles.SALES, RoleChange.Action.REMOVED, admin) in changes


def test_roles_changed_from_the_group_side_or_cleared_are_recorded_too():
    clerk = UserFactory(username="clerk-groups")
    group = Group.objects.get(name=roles.LOGISTICS)
    group.user_set.add(clerk)
    clerk.groups.clear()
    assert list(RoleChange.objects.filter(user=clerk).order_by("id").values_list("role", "action")) == [
        (roles.LOGISTICS, "added"), (roles.LOGISTICS, "removed")]


def test_the_role_changes_page_is_for_managers_only(client):
    clerk = user_with_role(roles.WAREHOUSE, "clerk-page")
    client.force_login(user_with_role(roles.MANAGER))
    page = client.get(reverse("portal:role_changes")).content.decode()
    assert clerk.username in page and "授予" in page
    client.force_login(clerk)
    assert client.get(reverse("portal:role_changes")).status_code == 403
