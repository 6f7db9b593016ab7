"""Rules every page template keeps."""

from pathlib import Path

from django.conf import settings

SHARED_SCRIPT = "js/portal.js"


def _project_templates() -> list[Path]:
    return sorted(path for folder in settings.TEMPLATES[0]["DIRS"] for path in Path(folder).rglob("*.html"))


def test_pages_built_on_the_base_template_do_not_load_the_shared_script_again():
    """A second copy would register its listeners twice: every confirmation asked twice.
    Only base.html and stand-alone documents (the printed vouchers, the invoice print) load it."""
    loading = {path.relative_to(settings.BASE_DIR).as_posix(): path.read_text(encoding="utf-8")
               for path in _project_templates() if SHARED_SCRIPT in path.read_text(encoding="utf-8")}
    assert "templates/base.html" in loading
    extending_base = [name for name, text in loading.items() if '{% extends "base.html" %}' in text]
    assert extending_base == []
    assert set(loading) == {"templates/base.html", "templates/orders/vouchers/_base.html",
                            "templates/purchasing/purchase_order_print.html", "templates/finance/invoice_print.html"}
