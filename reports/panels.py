"""The dashboard on the home page of 主管 and 数据分析师 (see ordermgmt/panels.py)."""

from ordermgmt.panels import register_panel

from .selectors import dashboard


def dashboard_panel(request) -> dict | None:
    if not request.user.has_perm("reports.view_dashboard"):
        return None
    return {"dashboard": dashboard()}


def register() -> None:
    register_panel("home", "dashboard", template="reports/_dashboard_panel.html", context=dashboard_panel, order=10)
