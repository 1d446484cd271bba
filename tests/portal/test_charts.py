"""The portal's SVG pictures and plain-word bins: well-formed, bounded, escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from credo.features.wording import bin_in_words, value_in_words
from credo.policy.bands import band_of
from credo.portal import charts
from credo.service.governance.logic import rule_of

SCORES = st.integers(350, 950)
TEXT = st.text(max_size=60)
SHARES = st.floats(0, 1)


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # raises if any text broke the markup


def numbers(root: ET.Element, *attributes: str) -> list[float]:
    return [float(e.get(a)) for e in root.iter() for a in attributes if e.get(a) is not None]


@given(SCORES)
def test_the_gauge_needle_stays_on_the_dial(score: int) -> None:
    root = parse(charts.gauge(score, band_of(score)))
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    line = next(e for e in root.iter() if e.tag.endswith("line"))
    x2, y2 = float(line.get("x2")), float(line.get("y2"))
    assert 0 <= x2 <= width and 0 <= y2 <= height
    assert root.get("aria-label").startswith(f"Score {score} of 350 to 950")


def test_the_needle_moves_with_the_score() -> None:
    def needle_x(score: int) -> float:
        root = parse(charts.gauge(score, band_of(score)))
        return float(next(e for e in root.iter() if e.tag.endswith("line")).get("x2"))

    xs = [needle_x(s) for s in range(350, 951, 50)]
    assert xs == sorted(xs) and xs[0] < xs[-1]


@given(st.lists(st.tuples(TEXT, st.one_of(st.none(), st.integers(0, 2000))), max_size=8))
def test_bars_escape_their_names_and_stay_in_the_frame(rows) -> None:
    root = parse(charts.horizontal_bars(rows, "label <b>"))
    width = float(root.get("viewBox").split()[2])
    for e in root.iter():
        if e.tag.endswith("rect"):
            x = float(e.get("x"))
            assert x >= 0
            assert x + float(e.get("width")) <= width


@given(st.lists(st.tuples(TEXT, SCORES), min_size=1, max_size=40))
def test_the_history_line_stays_inside_the_picture(points) -> None:
    root = parse(charts.score_history(points, "history"))
    height = float(root.get("viewBox").split()[3])
    ys = numbers(root, "cy")
    assert len(ys) == len(points) and all(0 <= y <= height for y in ys)


@given(st.lists(st.tuples(SHARES, SHARES), min_size=1, max_size=50))
def test_curves_are_well_formed(pairs) -> None:
    xs, ys = zip(*sorted(pairs), strict=True)
    parse(charts.curves([("a & b", xs, ys)], "roc", "x", "y", diagonal=True))


@given(st.lists(st.one_of(st.none(), SHARES), min_size=1, max_size=12))
def test_columns_take_missing_values(values) -> None:
    names = [f"c{i}" for i in range(len(values))]
    parse(charts.columns(names, values, "cols", overlay=list(reversed(values))))


@given(st.text(max_size=80), st.sampled_from(["revolving_utilisation", "income_monthly_6m",
                                               "days_since_late30", "late30_12m",
                                               "income_change_3m", "unknown_feature"]))
def test_any_bin_label_reads_as_words(label: str, feature: str) -> None:
    assert isinstance(bin_in_words(feature, label, "EUR"), str)


def test_bins_in_words() -> None:
    assert bin_in_words("revolving_utilisation", "[0.3, 0.9)", "EUR") == "from 30% to under 90%"
    assert bin_in_words("income_monthly_6m", ">= 250000", "EUR") == "EUR 2,500 a month or more"
    assert bin_in_words("income_monthly_12m", "[62473.8, 150992)", "GBP") == \
        "from GBP 625 a month to under GBP 1,510 a month"
    assert bin_in_words("credit_balance", "< 80550", "EUR") == "below EUR 806"
    assert bin_in_words("days_since_late30", "< 400", "EUR") == "below 13 months"
    assert bin_in_words("late30_12m", "missing", "EUR") == "nothing reported"
    assert bin_in_words("employment_type", "salaried, self_employed", "EUR") == \
        "salaried, self employed"
    assert value_in_words("oldest_account_days", 3000, "EUR") == "8.2 years"


def test_a_table_models_bins_keep_their_labels() -> None:
    # A column outside the catalogue has no known unit: never read as money or days.
    assert bin_in_words("income_monthly", "[1000, 4000)", "EUR") == "[1000, 4000)"
    assert bin_in_words("duration_days", ">= 30", "EUR") == ">= 30"


def test_quarantine_reasons_group_by_rule_not_by_value() -> None:
    assert rule_of("currency: unknown value 'XXX'; expected an ISO 4217 code such as EUR") \
        == rule_of("currency: unknown value 'ABC'; expected an ISO 4217 code such as EUR")
    assert rule_of("amount: must be integer cents, got 'abc'") == \
        "amount: must be integer cents"
    assert "DROP" not in rule_of("record_id: contains '\"; DROP TABLE x; --' (got it)")


def test_every_catalogue_feature_has_a_unit_that_reads_right() -> None:
    from credo.features.catalogue import CATALOGUE
    from credo.features.wording import unit_of

    units = {spec.name: unit_of(spec.name) for spec in CATALOGUE}
    assert units["salary_monthly_12m"] == units["income_monthly_6m"] == "money"
    assert units["revolving_utilisation"] == units["on_time_share_12m"] == "share"
    assert units["phone_tenure_days"] == "days" and units["income_change_3m"] == "ratio"
    assert units["late30_12m"] == "number"


def test_the_dots_scale_reads_in_its_own_format() -> None:
    psi = str(charts.columns(["2025-01", "2025-02"], [650.0, 640.0], "runs",
                             overlay=[None, 0.0048], percent=False, overlay_format=".3f"))
    assert ">0.006<" in psi and "%" not in psi  # top of the scale: 0.0048 x 1.15
    rates = str(charts.columns(["poor"], [0.2], "bands", overlay=[0.3]))
    assert ">34.5%<" in rates


def texts(root: ET.Element) -> list[str]:
    return [e.text or "" for e in root.iter() if e.tag.endswith("text")]


@given(SCORES)
def test_the_gauge_is_ticked_at_the_band_edges_and_shows_no_second_score(score: int) -> None:
    from credo.policy.bands import CUT_OFFS

    root = parse(charts.gauge(score, band_of(score)))
    assert [int(t) for t in texts(root)] == [350, *CUT_OFFS, 950]


@given(st.lists(st.one_of(st.none(), st.floats(350, 950)), min_size=1, max_size=24))
def test_the_mean_score_axis_spans_the_means_not_zero(means) -> None:
    points = [(f"2025-{i + 1:02d}", m) for i, m in enumerate(means)]
    root = parse(charts.mean_score_trend(points, "mean"))
    height = float(root.get("viewBox").split()[3])
    assert all(0 <= y <= height for y in numbers(root, "cy"))
    known = [m for m in means if m is not None]
    if known:
        axis = [float(t) for t in texts(root)[:5]]  # the five grid labels, bottom up
        assert axis[0] <= min(known) and max(known) <= axis[-1]
        assert axis[-1] - axis[0] <= max(max(known) - min(known) + 70, 40) + 1e-9
        assert axis[0] > 0 or min(known) < 30


def test_a_few_points_of_drift_show_on_the_mean_score_axis() -> None:
    root = parse(charts.mean_score_trend([("2025-01", 640.0), ("2025-02", 644.0)], "mean"))
    ys = numbers(root, "cy")
    assert abs(ys[0] - ys[1]) > 10  # pixels apart, not a flat line at the top of 0-950


@given(st.lists(st.one_of(st.none(), st.floats(0, 2)), min_size=1, max_size=24))
def test_psi_is_drawn_against_both_thresholds(values) -> None:
    from credo.scorecard.metrics import PSI_ACT, PSI_WATCH, psi_status

    points = [(f"2025-{i + 1:02d}", v, None if v is None else psi_status(v))
              for i, v in enumerate(values)]
    root = parse(charts.psi_trend(points, "psi", PSI_WATCH, PSI_ACT))
    words = texts(root)
    assert f"watch {PSI_WATCH:.2f}" in words and f"act {PSI_ACT:.2f}" in words
    height = float(root.get("viewBox").split()[3])
    for e in root.iter():
        if e.tag.endswith("rect"):
            assert 0 <= float(e.get("y")) <= height


MONTHS = st.lists(st.dates().map(lambda d: d.isoformat()[:7]), min_size=1, max_size=30)


@given(months=MONTHS, means=st.floats(350, 950), psi=st.floats(0, 2),
       shares=st.lists(SHARES, min_size=5, max_size=5))
def test_every_chart_keeps_its_text_legible_on_a_phone(months, means, psi, shares) -> None:
    # A chart at most CHART_WIDTH wide is shrunk to a phone's card: its smallest text
    # must still be 10 px there.
    assert charts.TEXT * charts.PHONE_CARD / charts.CHART_WIDTH >= 10
    bands = ["poor", "fair", "good", "very good", "excellent"]
    drawn = [
        charts.mean_score_trend([(m, means) for m in months], "mean"),
        charts.psi_trend([(m, psi, "stable") for m in months], "psi", watch=0.1, act=0.25),
        charts.columns(bands, shares, "bands", overlay=shares, value_label="share of people",
                       overlay_label="observed bad rate"),
        charts.curves([("bads", [0, 1], [0, 1]), ("goods", [0, 1], [0, 1])], "ks", "score",
                      "share", x_range=(350, 950)),
        charts.horizontal_bars([("Credit history", 700)], "dims"),
        charts.score_history([(m, 600) for m in months], "history"),
        charts.gauge(700, "excellent"),
    ]
    for svg in drawn:
        root = parse(str(svg))
        assert float(root.get("width")) <= charts.CHART_WIDTH
        sizes = [float(e.get("font-size")) for e in root.iter() if e.tag.endswith("text")]
        assert sizes and min(sizes) >= charts.TEXT
        labels = [t for t in texts(root) if t[:4].isdigit() and "-" in t]
        assert len(labels) <= 6  # month labels thinned to what fits side by side
