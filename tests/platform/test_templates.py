"""Rules every page template keeps."""

from pathlib import Path

from django.conf import settings

SHARED_SCRIPT = "js/portal.js"


def _project_templates() -> list[Path]:
    return sorted(path for folder in settings.TEMPLATES[0]["DIRS"] for path in Path(folder).rglob("*.html"))


def test_the_shared_portal_script_is_loaded_by_the_base_template_only():
    """A second copy would register its listeners twice: every confirmation asked twice."""
    loading = [path.relative_to(settings.BASE_DIR).as_posix() for path in _project_templates()
               if SHARED_SCRIPT in path.read_text(encoding="utf-8")]
    assert loading == ["templates/base.html"]
