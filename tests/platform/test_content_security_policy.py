"""Every page is sent with a Content-Security-Policy that runs no inline script or style."""

import re

import pytest

from ordermgmt import roles
from tests.conftest import PROJECT_ROOT
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: sources for name, *sources in (part.split() for part in header.split(";") if part.strip())}


def _assert_strict(policy):
    assert policy["default-src"] == ["'self'"]
    for directive in ("script-src", "style-src"):
        assert "'self'" in policy[directive]
        assert "'unsafe-inline'" not in policy[directive] and "'unsafe-eval'" not in policy[directive], directive
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]


@pytest.mark.parametrize("url", ["/accounts/login/", "/track/"])
def test_public_pages_carry_the_policy(client, url):
    _assert_strict(_policy(client.get(url)))


@pytest.mark.parametrize("url", ["/", "/orders/", "/orders/new/", "/reports/", "/admin/", "/admin/customers/customer/"])
def test_staff_pages_carry_the_policy(client, url):
    manager = user_with_role(roles.MANAGER)
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    response = client.get(url)
    assert response.status_code == 200
    _assert_strict(_policy(response))


_INLINE = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "inline event handler": re.compile(r"(?<![\w-])on[a-z]+\s*=\s*[\"']", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "style attribute": re.compile(r"(?<![\w-])style\s*=\s*[\"']", re.IGNORECASE),
    "<style> block": re.compile(r"<style", re.IGNORECASE),
}


def test_templates_hold_no_inline_script_or_style():
    found = []
    for template in sorted((PROJECT_ROOT / "templates").rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for what, pattern in _INLINE.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{template.relative_to(PROJECT_ROOT)}:{line}: {what}")
    assert not found, "\n".join(found)
