"""A day-by-day bar chart with its axes and values, as SVG: no script, no build step; readable on a phone and
in a right-to-left page (time runs left to right, as on every chart axis)."""

from django import template
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join

register = template.Library()
WIDTH, HEIGHT = 400, 180
LEFT, RIGHT, TOP, BOTTOM = 40, 6, 10, 24


@register.simple_tag
def day_chart(points, label: str = ""):
    """`points` are (day, value or None); a day without a value (no orders) has no bar."""
    values = [value for _, value in points if value is not None]
    top = _nice(max(values, default=0))
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(points), 1)
    bars = format_html_join("", '<rect x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>', (
        (round(LEFT + i * step + step * 0.15, 1), round(TOP + inner_h - value / top * inner_h, 1),
         round(step * 0.7, 1), round(value / top * inner_h, 1), date_format(day, "SHORT_DATE_FORMAT"),
         number_format(value, 2))
        for i, (day, value) in enumerate(points) if value is not None))
    ticks = format_html_join("", '<line x1="{}" x2="{}" y1="{}" y2="{}" class="grid"></line>'
                                 '<text x="{}" y="{}" class="y">{}</text>', (
        (LEFT, WIDTH - RIGHT, y, y, LEFT - 4, y + 4, number_format(tick, 0 if top >= 10 else 2))
        for tick, y in ((top * k / 4, round(TOP + inner_h - inner_h * k / 4, 1)) for k in range(5))))
    every = max(1, -(-len(points) // 4))  # four dates along the axis
    days = format_html_join("", '<text x="{}" y="{}" class="x">{}</text>', (
        (round(LEFT + i * step + step / 2, 1), HEIGHT - 8, date_format(day, "M j"))
        for i, (day, _) in enumerate(points) if i % every == 0))
    return format_html(
        '<svg class="chart" dir="ltr" viewBox="0 0 {w} {h}" role="img" aria-label="{label}">{ticks}'
        '<g class="bars">{bars}</g>{days}</svg>', w=WIDTH, h=HEIGHT, label=label, ticks=ticks, bars=bars, days=days)


def _nice(value: float) -> float:
    """A round top for the axis, at or above `value`."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 0.1
    for multiple in (1, 2, 2.5, 5, 10):
        if value <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude
