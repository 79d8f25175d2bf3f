"""The dashboard's charts as plain SVG geometry computed here (no script, no inline style): grouped bars and
the fund's line, with the repeated elements joined into markup once."""
import math

from django.utils.html import format_html_join

CHART_WIDTH, CHART_HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 240, 70, 46, 12
MAX_BAR_WIDTH = 48
SERIES_COLOURS = ("#1f5fa8", "#3c9a5f", "#c9822b", "#b0413e", "#6d5ba8")


def _nice_max(value) -> float:
    """The smallest 4 × (1, 2 or 5 × 10^k) at or above `value`, so the four gridlines fall on round numbers."""
    value = float(value or 0)
    if value <= 4:
        return 4.0
    magnitude = 10 ** math.floor(math.log10(value / 4))
    for factor in (1, 2, 5, 10):
        if factor * magnitude * 4 >= value:
            return float(factor * magnitude * 4)
    return float(40 * magnitude)  # pragma: no cover - 10 × magnitude always fits


def bar_chart(labels: list[str], series: list[tuple[str, list]]) -> dict:
    """Grouped bars: one group per label, one bar per series. Returns rectangles and axis ticks."""
    plot_w, plot_h = CHART_WIDTH - PAD_LEFT - 10, CHART_HEIGHT - PAD_BOTTOM - PAD_TOP
    top = _nice_max(max((float(v or 0) for _, values in series for v in values), default=0))
    groups = max(len(labels), 1)
    group_w = plot_w / groups
    bar_w = min(max(group_w * 0.8 / max(len(series), 1), 1), MAX_BAR_WIDTH)
    bars, texts = [], []
    for g, label in enumerate(labels):
        x0 = PAD_LEFT + g * group_w + (group_w - bar_w * len(series)) / 2
        for s, (name, values) in enumerate(series):
            value = float(values[g] or 0)
            h = plot_h * value / top
            bars.append({"x": round(x0 + s * bar_w, 1), "y": round(PAD_TOP + plot_h - h, 1), "w": round(bar_w, 1),
                         "h": round(h, 1), "fill": SERIES_COLOURS[s % len(SERIES_COLOURS)],
                         "title": f"{label} · {name}：{values[g]}"})
        texts.append({"x": round(PAD_LEFT + (g + 0.5) * group_w, 1), "y": CHART_HEIGHT - PAD_BOTTOM + 16, "text": label[:8]})
    ticks = [{"y": round(PAD_TOP + plot_h - plot_h * i / 4, 1), "text": f"{top * i / 4:,.0f}"} for i in range(5)]
    legend = [{"x": PAD_LEFT + i * 120, "fill": SERIES_COLOURS[i % len(SERIES_COLOURS)], "text": name}
              for i, (name, _) in enumerate(series)]
    return {"width": CHART_WIDTH, "height": CHART_HEIGHT, "bars": bars, "labels": texts, "ticks": ticks,
            "legend": legend, "axis_x": PAD_LEFT, "axis_y": PAD_TOP + plot_h, "axis_right": CHART_WIDTH - 10,
            "legend_y": CHART_HEIGHT - 8, "marks": _svg_marks(bars, texts, ticks)}


# The repeated SVG elements are joined here rather than looped over in the template: a page has ~100 bars of six
# attributes each, and rendering them as template variables was a third of the page's Python time.
_TICK = ('<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#e3e6ea" stroke-width="1"/><text x="{}" y="{}" font-size="10" '
         'text-anchor="end" dominant-baseline="middle" fill="#555">{}</text>')
_BAR = '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}</title></rect>'
_LABEL = '<text x="{}" y="{}" font-size="10" text-anchor="middle" fill="#333">{}{}</text>'
_DOT = '<circle cx="{}" cy="{}" r="3" fill="#1f5fa8"><title>{}</title></circle>'


def _svg_ticks(ticks: list[dict]) -> str:
    return format_html_join("", _TICK, ((PAD_LEFT, CHART_WIDTH - 10, t["y"], t["y"], PAD_LEFT - 6, t["y"], t["text"])
                                        for t in ticks))


def _svg_marks(bars: list[dict], labels: list[dict], ticks: list[dict], *, label_suffix: str = "") -> dict:
    return {"ticks": _svg_ticks(ticks),
            "bars": format_html_join("", _BAR, ((b["x"], b["y"], b["w"], b["h"], b["fill"], b["title"]) for b in bars)),
            "labels": format_html_join("", _LABEL, ((t["x"], t["y"], t["text"], label_suffix) for t in labels))}


def line_chart(labels: list[str], values: list, *, top=None) -> dict:
    plot_w, plot_h = CHART_WIDTH - PAD_LEFT - 10, CHART_HEIGHT - PAD_BOTTOM - PAD_TOP
    top = float(top) if top else _nice_max(max((float(v) for v in values), default=0))
    step = plot_w / max(len(values) - 1, 1)
    points = [(round(PAD_LEFT + i * step, 1), round(PAD_TOP + plot_h - plot_h * float(v) / top, 1))
              for i, v in enumerate(values)]
    chart = {"width": CHART_WIDTH, "height": CHART_HEIGHT,
             "points": " ".join(f"{x},{y}" for x, y in points),
             "dots": [{"x": x, "y": y, "title": f"{labels[i]}：{values[i]}"} for i, (x, y) in enumerate(points)],
             "labels": [{"x": x, "y": CHART_HEIGHT - PAD_BOTTOM + 16, "text": labels[i][5:]}
                        for i, (x, _) in enumerate(points)],
             "ticks": [{"y": round(PAD_TOP + plot_h - plot_h * i / 4, 1), "text": f"{top * i / 4:,.0f}"}
                       for i in range(5)],
             "axis_x": PAD_LEFT, "axis_y": PAD_TOP + plot_h, "axis_right": CHART_WIDTH - 10}
    chart["marks"] = {**_svg_marks([], chart["labels"], chart["ticks"], label_suffix="月"),
                      "dots": format_html_join("", _DOT, ((d["x"], d["y"], d["title"]) for d in chart["dots"]))}
    return chart

