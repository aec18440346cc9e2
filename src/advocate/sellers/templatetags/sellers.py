"""A figure's history as a small inline chart (SVG, no script): its line, and the target as a dashed line."""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()
WIDTH, HEIGHT, PAD = 240, 60, 4


@register.simple_tag
def sparkline(points, limit: float, label: str = ""):
    """`points` are (day, rate or None); the y axis runs from 0 to the larger of the highest rate and twice the
    limit, so the target line always shows."""
    rates = [rate for _, rate in points if rate is not None]
    top = max([*rates, limit * 2, 0.01])

    def xy(index, rate):
        x = PAD + index * (WIDTH - 2 * PAD) / max(len(points) - 1, 1)
        return round(x, 1), round(HEIGHT - PAD - rate / top * (HEIGHT - 2 * PAD), 1)

    line = " ".join(f"{x},{y}" for x, y in (xy(i, rate) for i, (_, rate) in enumerate(points) if rate is not None))
    _, target_y = xy(0, limit)
    dots = format_html_join("", '<circle cx="{}" cy="{}" r="2"></circle>',
                            (xy(i, rate) for i, (_, rate) in enumerate(points) if rate is not None))
    return format_html(
        '<svg class="sparkline" viewBox="0 0 {w} {h}" role="img" aria-label="{label}" preserveAspectRatio="none">'
        '<line x1="0" x2="{w}" y1="{ty}" y2="{ty}" class="target"></line>'
        '<polyline points="{line}" class="series"></polyline>{dots}</svg>',
        w=WIDTH, h=HEIGHT, ty=target_y, line=line, dots=dots, label=label)
