"""Small inline SVG charts, drawn on the server: no script, no library, no network.

The report embeds them as markup, so the HTML file works offline and prints as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

COLOURS = ("#1f5fa8", "#d9822b", "#2e8b57", "#a83279", "#666666")
W, H = 520, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 28, 44


def _frame(title: str, xlabel: str, ylabel: str) -> list[str]:
    return [
        f'<svg viewBox="0 0 {W} {H}" width="{W}" '
        f'height="{H}" role="img" aria-label="{escape(title)}">',
        f'<text x="{W / 2}" y="18" text-anchor="middle" font-size="13" '
        f'font-weight="bold">{escape(title)}</text>',
        f'<line x1="{LEFT}" y1="{H - BOTTOM}" x2="{W - RIGHT}" y2="{H - BOTTOM}" stroke="#333"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{H - BOTTOM}" stroke="#333"/>',
        f'<text x="{(LEFT + W - RIGHT) / 2}" y="{H - 8}" text-anchor="middle" '
        f'font-size="11">{escape(xlabel)}</text>',
        f'<text x="14" y="{(TOP + H - BOTTOM) / 2}" text-anchor="middle" font-size="11" '
        f'transform="rotate(-90 14 {(TOP + H - BOTTOM) / 2})">{escape(ylabel)}</text>',
    ]


def _legend(labels: Sequence[str]) -> list[str]:
    out = []
    for k, label in enumerate(labels):
        x = LEFT + 10 + 150 * k
        out.append(f'<rect x="{x}" y="{TOP + 2}" width="10" height="10" '
                   f'fill="{COLOURS[k % len(COLOURS)]}"/>')
        out.append(f'<text x="{x + 14}" y="{TOP + 11}" font-size="10">{escape(label)}</text>')
    return out


def _y_ticks(top: float, fmt: str) -> list[str]:
    out = []
    for k in range(5):
        value = top * k / 4
        y = H - BOTTOM - (H - TOP - BOTTOM) * k / 4
        out.append(f'<text x="{LEFT - 4}" y="{y + 3:.1f}" text-anchor="end" '
                   f'font-size="9">{format(value, fmt)}</text>')
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{W - RIGHT}" y2="{y:.1f}" '
                   'stroke="#ddd"/>')
    return out


def line_chart(
    series: Sequence[tuple[str, Sequence[float], Sequence[float]]],
    title: str,
    xlabel: str,
    ylabel: str,
    diagonal: bool = False,
) -> str:
    """Lines on the unit square (ROC curves): each series is (label, xs, ys) in [0, 1]."""
    out = _frame(title, xlabel, ylabel) + _y_ticks(1.0, ".2f")
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def point(x: float, y: float) -> str:
        return f"{LEFT + pw * x:.1f},{H - BOTTOM - ph * y:.1f}"

    if diagonal:
        out.append(f'<polyline points="{point(0, 0)} {point(1, 1)}" fill="none" '
                   'stroke="#999" stroke-dasharray="4 3"/>')
    for k, (_label, xs, ys) in enumerate(series):
        points = " ".join(point(x, y) for x, y in zip(xs, ys, strict=True))
        out.append(f'<polyline points="{points}" fill="none" stroke-width="1.8" '
                   f'stroke="{COLOURS[k % len(COLOURS)]}"/>')
    out += _legend([label for label, _, _ in series])
    out.append("</svg>")
    return "\n".join(out)


def bar_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    title: str,
    xlabel: str,
    ylabel: str,
    percent: bool = False,
) -> str:
    """Grouped bars: one group per category, one bar per series (None leaves a gap)."""
    values = [v for _, vs in series for v in vs if v is not None]
    top = max(values, default=1.0) * 1.1 or 1.0
    out = _frame(title, xlabel, ylabel) + _y_ticks(top, ".1%" if percent else ".0f")
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    group = pw / max(len(categories), 1)
    bar = group * 0.8 / max(len(series), 1)
    for i, category in enumerate(categories):
        x0 = LEFT + group * i + group * 0.1
        for k, (_label, vs) in enumerate(series):
            value = vs[i]
            if value is None:
                continue
            height = ph * value / top
            out.append(
                f'<rect x="{x0 + bar * k:.1f}" y="{H - BOTTOM - height:.1f}" '
                f'width="{max(bar - 1, 1):.1f}" height="{height:.1f}" '
                f'fill="{COLOURS[k % len(COLOURS)]}"><title>{escape(category)}: '
                f'{format(value, ".2%" if percent else ",.0f")}</title></rect>'
            )
        if len(categories) <= 12 or i % max(len(categories) // 12, 1) == 0:
            out.append(f'<text x="{x0 + group * 0.4:.1f}" y="{H - BOTTOM + 12}" '
                       f'text-anchor="middle" font-size="9">{escape(category)}</text>')
    if len(series) > 1:
        out += _legend([label for label, _ in series])
    out.append("</svg>")
    return "\n".join(out)
