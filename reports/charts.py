"""Charts drawn on the server as SVG: no JavaScript, no CDN, readable when printed.

Each function returns SVG markup (safe to embed) with a <title> for screen readers and
values written on the chart, so a black-and-white printout still carries the numbers.
"""

from html import escape

from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#1d5fbf", "#e07b00", "#2e9e4f", "#c62828", "#7b4fb0", "#5a6b7b"]
FONT = 'font-family="PingFang SC, Microsoft YaHei, Noto Sans CJK SC, sans-serif"'


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _fmt(value: float) -> str:
    if value >= 10000:
        return f"{value / 10000:.1f}万"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.1f}"


def line_chart(title: str, labels: list[str], series: dict[str, list[float]], *, width: int = 640,
               height: int = 260) -> SafeString:
    left, right, top, bottom = 56, 16, 28, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max([v for values in series.values() for v in values] or [0]))
    n = max(len(labels), 1)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h - plot_h * v / top_value

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="chart" {FONT} font-size="11">',
             f"<title>{escape(title)}</title>",
             f'<text x="{left}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>']
    for step in range(5):
        value = top_value * step / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" fill="#555">{_fmt(value)}</text>')
    for i, label in enumerate(labels):
        if n <= 12 or i % 2 == 0:
            parts.append(f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle" fill="#555">{escape(label)}</text>')
    dashes = ["", ' stroke-dasharray="6 3"', ' stroke-dasharray="2 3"']
    for index, (name, values) in enumerate(series.items()):
        color = PALETTE[index % len(PALETTE)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2"{dashes[index % 3]} points="{points}"/>')
        for i, v in enumerate(values):
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{color}"><title>{escape(labels[i])} {escape(name)}: {_fmt(v)}</title></circle>')
        legend_x = left + index * 150
        parts.append(f'<line x1="{legend_x}" x2="{legend_x + 18}" y1="{height - 10}" y2="{height - 10}" stroke="{color}" stroke-width="2"{dashes[index % 3]}/>')
        parts.append(f'<text x="{legend_x + 24}" y="{height - 6}">{escape(name)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def bar_chart(title: str, rows: list[tuple[str, float]], *, unit: str = "", width: int = 640,
              bar_height: int = 22) -> SafeString:
    """Horizontal bars with their value written at the end of each bar."""
    left, right, top = 150, 80, 30
    height = top + len(rows) * (bar_height + 8) + 10
    top_value = _nice_max(max([v for _, v in rows] or [0]))
    plot_w = width - left - right
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="chart" {FONT} font-size="12">',
             f"<title>{escape(title)}</title>",
             f'<text x="8" y="18" font-size="13" font-weight="bold">{escape(title)}</text>']
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_height + 8)
        w = plot_w * (value / top_value) if top_value else 0
        color = PALETTE[i % len(PALETTE)]
        parts.append(f'<text x="{left - 8}" y="{y + bar_height * 0.7:.1f}" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{max(w, 1):.1f}" height="{bar_height}" fill="{color}" fill-opacity="0.85" stroke="#333" stroke-width="0.5"/>')
        parts.append(f'<text x="{left + w + 6:.1f}" y="{y + bar_height * 0.7:.1f}">{_fmt(value)}{escape(unit)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
