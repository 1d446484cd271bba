"""The portal's pictures, drawn as SVG on the server: they work offline and need no script.

Each function returns markup that is safe to embed (every text in it is escaped) and
carries a ``role="img"`` with a label that says in words what the picture shows.

A chart shrinks to its card on a phone: a 390 px screen leaves a card about
``PHONE_CARD`` px for it. So every chart is drawn at most ``CHART_WIDTH`` units wide with
text of at least ``TEXT`` units, which stays 10 px or more there (and is drawn at its
own size, unscaled, on a desktop).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from html import escape

from markupsafe import Markup

from credo.policy.bands import BANDS, CUT_OFFS
from credo.scorecard.scaling import SCORE_MAX, SCORE_MIN, whole_points

# From red (poor) to deep green (excellent): "good" reads as good, not as a warning, and
# every colour keeps 3:1 against the white page (the stylesheet's badges match them).
BAND_COLOURS = {"poor": "#b3261e", "fair": "#c5661b", "good": "#6b8f23",
                "very good": "#3f8a3a", "excellent": "#1e6b46"}
INK, GRID, ACCENT = "#1d1d1f", "#d0d0d5", "#1f5fa8"
PSI_COLOURS = {"stable": ACCENT, "watch": "#c5661b", "act": "#b3261e"}
# The dial's ticks: both ends of the scale and every band edge.
GAUGE_TICKS: tuple[int, ...] = (SCORE_MIN, *CUT_OFFS, SCORE_MAX)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
PHONE_CARD = 324  # a card's inner width on a 390 px phone (the page's and card's padding)
CHART_WIDTH = 380
TEXT, LABEL = 12, 13  # ticks and values; axis names and legends


def esc(text: object) -> str:
    """Escaped for markup, with control characters (not allowed in SVG) replaced."""
    return escape(_CONTROL.sub("\ufffd", str(text)))


def _svg(width: int, height: int, label: str, body: list[str]) -> Markup:
    head = (f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="{esc(label)}" class="chart">')
    return Markup("\n".join([head, f"<title>{esc(label)}</title>", *body, "</svg>"]))


def _polar(cx: float, cy: float, r: float, score: float) -> tuple[float, float]:
    angle = math.pi * (1 - (score - SCORE_MIN) / (SCORE_MAX - SCORE_MIN))
    return cx + r * math.cos(angle), cy - r * math.sin(angle)


def _y_grid(left: float, right: float, top: float, height: float,
            label: Callable[[float], str]) -> list[str]:
    """Five horizontal grid lines from the bottom (share 0) to the top (share 1) of the
    plot, each labelled on the left with ``label(share)``."""
    out = []
    for k in range(5):
        y = top + height * (1 - k / 4)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" '
                   f'stroke="{GRID}"/>')
        out.append(f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="{TEXT}" '
                   f'text-anchor="end" fill="{INK}">{esc(label(k / 4))}</text>')
    return out


def gauge(score: int, band: str) -> Markup:
    """The score on a half-dial from 350 to 950, coloured by band, ticked at the band
    edges. The number itself is written once, in the page's text beside the dial."""
    cx, cy, r, width = 160, 162, 120, 26
    body = []
    for b in BANDS:
        lo, hi = max(b.low, SCORE_MIN), min(b.high + 1, SCORE_MAX)
        x1, y1 = _polar(cx, cy, r, lo)
        x2, y2 = _polar(cx, cy, r, hi)
        body.append(f'<path d="M{x1:.1f},{y1:.1f} A{r},{r} 0 0 1 {x2:.1f},{y2:.1f}" '
                    f'fill="none" stroke="{BAND_COLOURS[b.name]}" stroke-width="{width}"/>')
    for tick in GAUGE_TICKS:
        ix, iy = _polar(cx, cy, r + width / 2, tick)
        ox, oy = _polar(cx, cy, r + width / 2 + 6, tick)
        body.append(f'<path d="M{ix:.1f},{iy:.1f} L{ox:.1f},{oy:.1f}" stroke="{INK}" '
                    'stroke-width="1.5"/>')  # a path: the needle is the dial's one line
        x, y = _polar(cx, cy, r + width / 2 + 17, tick)
        if tick in (SCORE_MIN, SCORE_MAX):  # the ends: under the arc, inside the picture
            x, y = _polar(cx, cy, r, tick)[0], cy + 14
        body.append(f'<text x="{x:.1f}" y="{y + 4:.1f}" font-size="{TEXT}" text-anchor="middle" '
                    f'fill="{INK}">{tick}</text>')
    nx, ny = _polar(cx, cy, r - width / 2 - 6, min(max(score, SCORE_MIN), SCORE_MAX))
    body += [
        f'<line x1="{cx}" y1="{cy}" x2="{nx:.1f}" y2="{ny:.1f}" stroke="{INK}" '
        'stroke-width="4" stroke-linecap="round"/>',
        f'<circle cx="{cx}" cy="{cy}" r="7" fill="{INK}"/>',
    ]
    return _svg(320, 184, f"Score {score} of 350 to 950, band {band}", body)


def horizontal_bars(rows: Sequence[tuple[str, int | None]], label: str,
                    low: int = SCORE_MIN, high: int = SCORE_MAX) -> Markup:
    """One bar per row on a fixed scale (the five sub-scores on 350-950). Drawn about
    as wide as a phone's card, so its words keep their size there."""
    left, width, row_h = 148, 190, 32
    height = row_h * len(rows) + 26
    body = []
    for k in range(5):
        value = low + (high - low) * k / 4
        x = left + width * k / 4
        body.append(f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{height - 22}" '
                    f'stroke="{GRID}"/>')
        body.append(f'<text x="{x:.1f}" y="{height - 6}" font-size="{TEXT}" text-anchor="middle" '
                    f'fill="{INK}">{value:.0f}</text>')
    for i, (name, value) in enumerate(rows):
        y = 6 + row_h * i
        body.append(f'<text x="{left - 8}" y="{y + 16}" font-size="{LABEL}" text-anchor="end" '
                    f'fill="{INK}">{esc(name)}</text>')
        if value is None:
            body.append(f'<text x="{left + 4}" y="{y + 16}" font-size="{TEXT}" fill="{INK}">'
                        "no data</text>")
            continue
        share = (min(max(value, low), high) - low) / (high - low)
        body.append(f'<rect x="{left}" y="{y + 3}" width="{width * share:.1f}" height="20" '
                    f'fill="{ACCENT}"/>')
        body.append(f'<text x="{left + width * share + 4:.1f}" y="{y + 17}" font-size="{TEXT}" '
                    f'fill="{INK}">{value}</text>')
    return _svg(left + width + 36, height, label, body)


def score_history(points: Sequence[tuple[str, int]], label: str) -> Markup:
    """Scores over the months, on bands drawn as background stripes. Drawn at about a
    phone card's width with 13-unit text, so its labels stay legible there."""
    w, h, left, right, top, bottom = 380, 230, 40, 14, 10, 30
    pw, ph = w - left - right, h - top - bottom

    def y_of(score: float) -> float:
        return top + ph * (1 - (score - SCORE_MIN) / (SCORE_MAX - SCORE_MIN))

    body = []
    for b in BANDS:
        y1, y2 = y_of(min(b.high + 1, SCORE_MAX)), y_of(max(b.low, SCORE_MIN))
        body.append(f'<rect x="{left}" y="{y1:.1f}" width="{pw}" height="{y2 - y1:.1f}" '
                    f'fill="{BAND_COLOURS[b.name]}" fill-opacity="0.12"/>')
    for tick in range(SCORE_MIN, SCORE_MAX + 1, 100):
        body.append(f'<text x="{left - 5}" y="{y_of(tick) + 4:.1f}" font-size="{TEXT}" '
                    f'text-anchor="end" fill="{INK}">{tick}</text>')
    n = len(points)
    xs = [left + (pw * (i + 0.5) / n) for i in range(n)]
    if n > 1:
        line = " ".join(f"{x:.1f},{y_of(s):.1f}" for x, (_, s) in zip(xs, points, strict=True))
        body.append(f'<polyline points="{line}" fill="none" stroke="{ACCENT}" '
                    'stroke-width="2.5"/>')
    step = math.ceil(n / 5)  # at most five month labels: each about 50 units wide
    for i, (x, (when, score)) in enumerate(zip(xs, points, strict=True)):
        body.append(f'<circle cx="{x:.1f}" cy="{y_of(score):.1f}" r="4" fill="{ACCENT}">'
                    f"<title>{esc(when)}: {score}</title></circle>")
        if (n - 1 - i) % step == 0:  # the latest month always has its label
            body.append(f'<text x="{x:.1f}" y="{h - 10}" font-size="{TEXT}" text-anchor="middle" '
                        f'fill="{INK}">{esc(str(when)[:7])}</text>')
    return _svg(w, h, label, body)


def _text_width(text: str, size: float) -> float:
    """About how wide a line of text is drawn (a generous 0.6 em a character)."""
    return 0.6 * size * len(text)


def _every(n: int, room: float, widest: float) -> int:
    """Label every k-th of ``n`` slots, ``room`` units wide in all, so labels
    ``widest`` units wide (and a gap) never touch."""
    fits = max(int(room // (widest + 8)), 1)
    return max(math.ceil(n / fits), 1)


def curves(series: Sequence[tuple[str, Sequence[float], Sequence[float]]], label: str,
           xlabel: str, ylabel: str, x_range: tuple[float, float] = (0.0, 1.0),
           diagonal: bool = False) -> Markup:
    """Lines on a plot whose y axis is a share (ROC, KS): each series is (name, xs, ys)."""
    w, h, left, right, top, bottom = CHART_WIDTH, 300, 54, 16, 30, 46
    pw, ph = w - left - right, h - top - bottom
    x0, x1 = x_range
    colours = (ACCENT, "#d9822b", "#2e8b57")

    def point(x: float, y: float) -> str:
        return f"{left + pw * (x - x0) / (x1 - x0):.1f},{top + ph * (1 - y):.1f}"

    body = _y_grid(left, w - right, top, ph, lambda share: f"{share:.2f}")
    for k in range(5):  # the first starts at its tick, clear of the y axis's "0.00"
        anchor = "start" if k == 0 else "middle"
        body.append(f'<text x="{left + pw * k / 4:.1f}" y="{h - bottom + 18}" '
                    f'font-size="{TEXT}" text-anchor="{anchor}" fill="{INK}">'
                    f"{x0 + (x1 - x0) * k / 4:g}</text>")
    body.append(f'<text x="{left + pw / 2}" y="{h - 6}" font-size="{LABEL}" '
                f'text-anchor="middle" fill="{INK}">{esc(xlabel)}</text>')
    body.append(f'<text x="14" y="{top + ph / 2}" font-size="{LABEL}" text-anchor="middle" '
                f'transform="rotate(-90 14 {top + ph / 2})" fill="{INK}">{esc(ylabel)}</text>')
    if diagonal:
        body.append(f'<polyline points="{point(x0, 0)} {point(x1, 1)}" fill="none" '
                    'stroke="#888" stroke-dasharray="4 3"/>')
    lx = left + 4
    for k, (name, xs, ys) in enumerate(series):
        colour = colours[k % len(colours)]
        pts = " ".join(point(x, y) for x, y in zip(xs, ys, strict=True))
        body.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" '
                    'stroke-width="2"/>')
        body.append(f'<rect x="{lx}" y="8" width="12" height="12" fill="{colour}"/>')
        body.append(f'<text x="{lx + 16}" y="19" font-size="{LABEL}" fill="{INK}">'
                    f"{esc(name)}</text>")
        lx += 16 + _text_width(name, LABEL) + 16
    return _svg(w, h, label, body)


def columns(categories: Sequence[str], values: Sequence[float | None], label: str,
            overlay: Sequence[float | None] | None = None, value_label: str = "",
            overlay_label: str = "", percent: bool = True,
            overlay_format: str = ".1%") -> Markup:
    """Columns per category, with an optional second measure drawn as dots on its own
    right-hand scale (share of people per band, and their observed bad rate). Names too
    wide for their column take two rows, every other one lower."""
    legend = [t for t in (value_label, overlay is not None and overlay_label) if t]
    w, h, left, right = CHART_WIDTH, 280, 48, 52 if overlay is not None else 12
    top, bottom = 14 + 18 * len(legend), 50
    pw, ph = w - left - right, h - top - bottom
    top_value = max((v for v in values if v is not None), default=0.0) * 1.15 or 1.0
    top_overlay = max((v for v in (overlay or []) if v is not None), default=0.0) * 1.15 or 1.0
    fmt = ".0%" if percent else ",.0f"
    body = _y_grid(left, w - right, top, ph, lambda share: format(top_value * share, fmt))
    if overlay is not None:  # the right-hand scale of the dots
        for k in range(5):
            tick = format(top_overlay * k / 4, overlay_format)
            body.append(f'<text x="{w - right + 4}" y="{top + ph * (1 - k / 4) + 4:.1f}" '
                        f'font-size="{TEXT}" fill="#b3261e">{tick}</text>')
    slot = pw / max(len(categories), 1)
    stagger = any(_text_width(str(c), TEXT) > slot - 4 for c in categories)
    for i, (name, value) in enumerate(zip(categories, values, strict=True)):
        x = left + slot * i
        colour = BAND_COLOURS.get(name, ACCENT)
        if value is not None:
            bh = ph * value / top_value
            body.append(f'<rect x="{x + slot * 0.15:.1f}" y="{top + ph - bh:.1f}" '
                        f'width="{slot * 0.7:.1f}" height="{bh:.1f}" fill="{colour}">'
                        f"<title>{esc(name)}: {format(value, fmt)}</title></rect>")
        y = h - bottom + 17 + (18 if stagger and i % 2 else 0)
        body.append(f'<text x="{x + slot / 2:.1f}" y="{y}" font-size="{TEXT}" '
                    f'text-anchor="middle" fill="{INK}">{esc(name)}</text>')
        if overlay is not None and overlay[i] is not None:
            oy = top + ph * (1 - overlay[i] / top_overlay)
            shown = format(overlay[i], overlay_format)
            body.append(f'<circle cx="{x + slot / 2:.1f}" cy="{oy:.1f}" r="5" fill="#b3261e" '
                        f'stroke="#fff"><title>{esc(name)}: {shown}</title></circle>')
    if value_label:
        body.append(f'<text x="4" y="16" font-size="{LABEL}" fill="{INK}">'
                    f"{esc(value_label)} (columns, left scale)</text>")
    if overlay is not None and overlay_label:
        body.append(f'<text x="4" y="{16 + 18 * (len(legend) - 1)}" font-size="{LABEL}" '
                    f'fill="#b3261e">{esc(overlay_label)} (dots, right scale)</text>')
    return _svg(w, h, label, body)


def _span(values: Sequence[float], step: float, least: float) -> tuple[float, float]:
    """An axis from just under the smallest value to just over the largest, on round
    ``step`` numbers and at least ``least`` wide, so small movements show."""
    lo = math.floor((min(values) - step / 2) / step) * step
    hi = math.ceil((max(values) + step / 2) / step) * step
    # Four grid steps of whole ``step``s: the labels read as round numbers.
    span = max(math.ceil((hi - lo) / (4 * step)) * 4 * step, least)
    lo -= math.floor((span - (hi - lo)) / 2 / step) * step
    return lo, lo + span


def mean_score_trend(points: Sequence[tuple[str, float | None]], label: str) -> Markup:
    """The mean score per run on an axis around the means, not from zero: a shift of a
    few points is visible. Band edges that fall inside the axis are drawn and named."""
    w, h, left, right, top, bottom = CHART_WIDTH, 240, 44, 12, 14, 30
    pw, ph = w - left - right, h - top - bottom
    known = [v for _, v in points if v is not None]
    lo, hi = _span(known or [SCORE_MIN], 10, 40)

    def y_of(value: float) -> float:
        return top + ph * (1 - (value - lo) / (hi - lo))

    body = _y_grid(left, w - right, top, ph, lambda share: f"{lo + (hi - lo) * share:.0f}")
    for b in BANDS[1:]:
        if lo < b.low < hi:
            y = y_of(b.low)
            body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{w - right}" y2="{y:.1f}" '
                        f'stroke="{BAND_COLOURS[b.name]}" stroke-dasharray="5 3"/>')
            body.append(f'<text x="{w - right - 4}" y="{y - 4:.1f}" font-size="{TEXT}" '
                        f'text-anchor="end" fill="{INK}">{esc(b.name)} from {b.low}</text>')
    n = max(len(points), 1)
    xs = [left + pw * (i + 0.5) / n for i in range(len(points))]
    line = " ".join(f"{x:.1f},{y_of(v):.1f}" for x, (_, v) in zip(xs, points, strict=True)
                    if v is not None)
    if len(known) > 1:
        body.append(f'<polyline points="{line}" fill="none" stroke="{ACCENT}" '
                    'stroke-width="2.5"/>')
    widest = max((_text_width(str(when), TEXT) for when, _ in points), default=0.0)
    step = _every(len(points), pw, widest)
    for i, (x, (when, value)) in enumerate(zip(xs, points, strict=True)):
        if value is not None:
            body.append(f'<circle cx="{x:.1f}" cy="{y_of(value):.1f}" r="4" fill="{ACCENT}">'
                        f"<title>{esc(when)}: mean score {whole_points(value)}</title></circle>")
        if (len(points) - 1 - i) % step == 0:
            body.append(f'<text x="{x:.1f}" y="{h - 10}" font-size="{TEXT}" '
                        f'text-anchor="middle" fill="{INK}">{esc(when)}</text>')
    return _svg(w, h, label, body)


def psi_trend(points: Sequence[tuple[str, float | None, str | None]], label: str,
              watch: float, act: float) -> Markup:
    """PSI per run as columns against its two thresholds (given by the caller, from the
    metrics module), coloured by the status the caller computed; the axis always shows
    both thresholds, so noise near zero looks like noise."""
    names = [f"{name} {value:.2f}" for name, value in (("watch", watch), ("act", act))]
    w, h, left, top, bottom = CHART_WIDTH, 240, 44, 14, 30
    right = max(_text_width(n, TEXT) for n in names) + 10
    pw, ph = w - left - right, h - top - bottom
    needed = max([act * 1.2, *(v * 1.1 for _, v, _ in points if v is not None)])
    top_value = math.ceil(needed / 0.2) * 0.2  # quarters of a round number: 0.1, 0.2, ...

    def y_of(value: float) -> float:
        return top + ph * (1 - value / top_value)

    body = _y_grid(left, w - right, top, ph, lambda share: f"{top_value * share:.2f}")
    for name, value, words in zip(("watch", "act"), (watch, act), names, strict=True):
        y = y_of(value)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{w - right}" y2="{y:.1f}" '
                    f'stroke="{PSI_COLOURS[name]}" stroke-width="1.5" stroke-dasharray="6 3"/>')
        body.append(f'<text x="{w - right + 4}" y="{y + 4:.1f}" font-size="{TEXT}" '
                    f'fill="{INK}">{words}</text>')
    slot = pw / max(len(points), 1)
    widest = max((_text_width(str(when), TEXT) for when, _, _ in points), default=0.0)
    step = _every(len(points), pw, widest)
    for i, (when, value, status) in enumerate(points):
        x = left + slot * i
        if value is None:
            body.append(f'<text x="{x + slot / 2:.1f}" y="{top + ph - 4}" font-size="{TEXT}" '
                        f'text-anchor="middle" fill="{INK}">first</text>')
        else:
            bh = max(ph - y_of(value) + top, 1.0)  # a hair of a column even at zero
            colour = PSI_COLOURS.get(status or "", ACCENT)
            body.append(f'<rect x="{x + slot * 0.25:.1f}" y="{top + ph - bh:.1f}" '
                        f'width="{slot * 0.5:.1f}" height="{bh:.1f}" fill="{colour}">'
                        f"<title>{esc(when)}: PSI {value:.4f} ({esc(status)})</title></rect>")
        if (len(points) - 1 - i) % step == 0:
            body.append(f'<text x="{x + slot / 2:.1f}" y="{h - 10}" font-size="{TEXT}" '
                        f'text-anchor="middle" fill="{INK}">{esc(when)}</text>')
    return _svg(w, h, label, body)


def meter(share: float | None, label: str, width: int = 120) -> Markup:
    """A small inline bar for a share in [0, 1] (a bin's default rate in a table row)."""
    if share is None:
        return Markup("")
    filled = width * min(max(share, 0.0), 1.0)
    return _svg(width, 12, label, [
        f'<rect x="0" y="1" width="{width}" height="10" fill="#eee"/>',
        f'<rect x="0" y="1" width="{filled:.1f}" height="10" fill="#b3261e"/>',
    ])
