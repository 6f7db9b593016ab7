"""The README's test command on a machine without Chromium: browser tests are skipped with
one line that says how to get it (never an error from a browser launch), and in CI, where
every service is required, they fail with that line."""

import os
import subprocess
import sys

from tests.conftest import PROJECT_ROOT

BROWSER_TEST = "tests/browser/test_tracking_browser.py"


def _run_browser_tests(**env):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", BROWSER_TEST, "-p", "no:xdist", "-q", "-rs", "--no-header"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "CHROMIUM_PATH": "/nonexistent/chromium", **env},
    )
    return result.returncode, result.stdout + result.stderr


def test_without_chromium_browser_tests_skip_with_a_hint_instead_of_erroring():
    code, output = _run_browser_tests(REQUIRE_SERVICES="0")
    assert code == 0, output
    assert "1 skipped" in output and "error" not in output.lower()
    assert "apt-get install chromium" in output and "CHROMIUM_PATH" in output


def test_without_chromium_browser_tests_fail_when_services_are_required():
    code, output = _run_browser_tests(REQUIRE_SERVICES="1")
    assert code == 1, output
    assert "1 failed" in output and "error" not in output.lower().replace("errors", "")
    assert "required in CI" in output
