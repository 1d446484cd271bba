"""The validation report: one JSON-able dict, rendered as a self-contained HTML file.

Sections: data summary; every scorecard feature's bins (count, default rate, WOE, IV,
points); discrimination (ROC, KS, Gini) on the development and out-of-time samples;
calibration by band (predicted vs observed bad rate); score distribution and its
stability; the challenger comparison; the fairness audit; fairness against the truth
(when the true default probabilities are known: simulated populations); the search for
less-discriminatory alternatives. Charts are inline SVG and the styles are in the file,
so it opens offline and nothing is fetched.
"""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from credo.features.wording import bin_in_words
from credo.governance import challenger as challenger_mod
from credo.governance import charts, fairness, fairness_truth, lda
from credo.outputs import make_output_path, write_atomically
from credo.progress import Step
from credo.scorecard import metrics
from credo.scorecard.model import Scorecard
from credo.scorecard.scaling import whole_points

LAKE_OUTCOME = (
    "90+ days past due, charge-off, court judgment or bankruptcy within 12 months of the "
    "as-of date"
)
SECTIONS = (
    "Data",
    "Features",
    "Discrimination",
    "Calibration",
    "Score distribution",
    "Challenger",
    "Fairness",
    "Fairness against the truth",
    "Less-discriminatory alternatives",
)


def _split(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    return frame.drop(columns=["bad"]), frame["bad"].to_numpy().astype(np.uint8)


def build(
    model: Scorecard,
    document: dict[str, Any],
    development: pd.DataFrame,
    validation: pd.DataFrame | None,
    protected: pd.DataFrame | None = None,
    margin: float = 0.01,
    registry_entry: dict[str, Any] | None = None,
    truth: pd.DataFrame | None = None,
    alternatives: bool = True,
    stage: Step | None = None,
    outcome: str = LAKE_OUTCOME,
    sample_names: tuple[str, str] = ("development", "out_of_time"),
    currency: str | None = None,
) -> dict[str, Any]:
    """Everything the report shows. ``development``/``validation``: person_id, the
    catalogue features and ``bad`` (the 12-month outcome), as from the lake; ``truth``:
    person_id and true_pd (the true 12-month default probability) of the month of the
    sample the model is judged on (out of time when there is one), when known;
    ``alternatives``: whether to search for less-discriminatory alternatives;
    ``stage``: told as each part of the work begins; ``outcome``: what "bad" means;
    ``sample_names``: what the two samples are called (a table's: train and holdout);
    ``currency``: the lake's reporting currency, in which the catalogue's money bins are
    worded (None for a table, whose units credo does not know: bins keep their labels)."""
    first, second = sample_names
    tick = stage or (lambda _name: None)
    started = time.perf_counter()
    tick("scoring and measuring the samples")
    X_dev, y_dev = _split(development)
    samples: dict[str, tuple[pd.DataFrame, np.ndarray]] = {first: (X_dev, y_dev)}
    if validation is not None:
        samples[second] = _split(validation)
    scaling = model.scaling_
    scores = {name: model.score(X) for name, (X, _) in samples.items()}

    performance, calibration, roc, distribution = {}, {}, {}, {}
    for name, (_X, y) in samples.items():
        performance[name] = metrics.summary(y, scores[name])
        table = metrics.band_table(y, scores[name], scaling)
        calibration[name] = table.to_dict(orient="records")
        performance[name]["calibration_error"] = challenger_mod.calibration_error(table)
        roc[name] = metrics.roc_curve(y, scores[name])
        distribution[name] = metrics.bucket_counts(scores[name]).tolist()

    # The challenger learns on the same development month and is judged out of time.
    tick("training the challenger")
    fitted = challenger_mod.train_challenger(X_dev, y_dev)
    judge = second if second in samples else first
    challenger_metrics = {}
    for name, (X, y) in samples.items():
        challenger_metrics[name] = challenger_mod.evaluate(y, fitted.score(X, scaling), scaling)
    champion_metrics = {**performance[judge], "calibration": calibration[judge]}
    challenger_section = {
        "model": "LightGBM, monotone constraints from the catalogue trends",
        "params": {**challenger_mod.PARAMS, "rounds": challenger_mod.ROUNDS},
        "constraints": dict(zip(fitted.features, fitted.constraints, strict=True)),
        "metrics": challenger_metrics,
        "judged_on": judge,
        "decision": challenger_mod.decide(champion_metrics, challenger_metrics[judge], margin),
    }
    challenger_section["roc"] = metrics.roc_curve(
        samples[judge][1], fitted.score(samples[judge][0], scaling)
    )

    fairness_section: dict[str, Any] | None = None
    truth_section: dict[str, Any] = {
        "available": False,
        "reason": "no protected attributes were available",
    }
    lda_section: dict[str, Any] = dict(truth_section)
    if protected is not None:
        X_f, y_f = samples[judge]
        frame = pd.DataFrame(
            {
                "person_id": X_f["person_id"].astype(str).to_numpy(),
                "score": scores[judge],
                "bad": y_f,
            }
        )
        tick("auditing fairness")
        points = fairness.points_frame(model, X_f)
        points["person_id"] = points["person_id"].astype(str)
        fairness_section = fairness.audit(frame, protected, points)
        fairness_section["sample"] = judge
        truth_section = {**fairness_truth.compare(frame, protected, truth), "sample": judge}
        if alternatives:
            tick("searching for less-discriminatory alternatives")
            lda_section = {
                "available": True,
                **lda.search(
                    model,
                    document,
                    samples[first],
                    samples[judge],
                    protected,
                    judged_on=judge,
                    champion_scores=scores[judge],
                    champion_audit=fairness_section,
                ),
            }
        else:
            lda_section = {"available": False, "reason": "not asked for"}

    report: dict[str, Any] = {
        "title": f"Validation report: {document.get('model_id')}",
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "outcome": outcome,
        "model": {
            "model_id": document.get("model_id"),
            "created_at": document.get("created_at"),
            "fingerprint": document.get("training", {}).get("fingerprint"),
            "scaling": scaling.to_dict(),
            "registry": registry_entry,
        },
        # The people at risk are the sample; those already in default were left out.
        "population": {
            name: frame.attrs["population"]
            for name, frame in ((first, development), (second, validation))
            if frame is not None and "population" in frame.attrs
        },
        "data": {
            name: {
                "as_of": document.get("metadata", {}).get(
                    "as_of" if name == first else "validate_as_of"
                ),
                "rows": len(y),
                "bads": int(y.sum()),
                "bad_rate": float(y.mean()) if len(y) else None,
                "score_min": int(scores[name].min()),
                "score_max": int(scores[name].max()),
                "score_median": float(np.median(scores[name])),
            }
            for name, (_X, y) in samples.items()
        },
        "selection": {
            "candidates": len(model.selection_),
            "selected": len(model.features_),
            "left_out": [
                {"feature": e.feature, "reason": e.reason}
                for e in model.selection_
                if not e.selected
            ],
        },
        "features": [_feature(f, currency) for f in model.features_],
        "performance": performance,
        "roc": roc,
        "calibration": calibration,
        "score_distribution": {"edges": list(metrics.SCORE_BUCKETS), **distribution},
        "stability": (
            {
                "psi_development_to_out_of_time": metrics.psi(
                    scores[first], scores[second]
                ),
                "samples": [first, second],
            }
            if second in scores
            else {}
        ),
        "challenger": challenger_section,
        "fairness": fairness_section,
        "fairness_truth": truth_section,
        "lda": lda_section,
    }
    if report["stability"]:
        value = report["stability"]["psi_development_to_out_of_time"]
        report["stability"]["status"] = metrics.psi_status(value)
    report["generation_seconds"] = time.perf_counter() - started
    return report


def _feature(feature: Any, currency: str | None) -> dict[str, Any]:
    table = feature.binning.table()
    total = max(int(table["count"].sum()), 1)
    return {
        "name": feature.name,
        "dimension": feature.dimension,
        "description": feature.description,
        "trend": feature.binning.trend,
        "iv": feature.binning.iv,
        "coefficient": feature.coefficient,
        "bins": [
            {
                "bin": r.bin,
                "words": None if currency is None else bin_in_words(feature.name, r.bin, currency),
                "count": int(r.count),
                "share": r.count / total,
                "bad_rate": None if pd.isna(r.bad_rate) else float(r.bad_rate),
                "woe": float(r.woe),
                "iv": float(r.iv),
                "points": int(r.points),
            }
            for r in table.itertuples()
        ],
    }


# ------------------------------------------------------------------ writing
def _clean(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write(report: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """The HTML file and its JSON twin (same name, .json)."""
    out = make_output_path(out, (".html",), "validation report")
    twin = out.with_suffix(".json")
    clean = _clean(report)
    figures = json.dumps(clean, indent=2, allow_nan=False) + "\n"
    page = render_html(clean)
    write_atomically(
        twin, lambda target: target.write_text(figures, encoding="utf-8"), "report's figures"
    )
    write_atomically(out, lambda target: target.write_text(page, encoding="utf-8"), "report")
    return out, twin


def _pct(value: Any) -> str:
    return "–" if value is None else f"{value:.1%}"


def _num(value: Any, fmt: str = ".4f") -> str:
    return "–" if value is None else format(value, fmt)


def _points(value: float) -> str:
    """A gap of points, signed, in whole points as the scorecard rounds them."""
    return f"{whole_points(value):+d}"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    # A wide table scrolls inside its own box: on a phone the page keeps its width.
    return (f"<div class='wide'><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table></div>")


STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em;
color:#222;max-width:1100px}h1{font-size:1.5em}h2{border-bottom:2px solid #1f5fa8;
padding-bottom:.2em;margin-top:2em}h3{font-size:1em;margin-bottom:.3em}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.85em}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th{background:#eef2f7}td:first-child,th:first-child{text-align:left}
.flag{color:#b00020;font-weight:bold}.ok{color:#2e7d32}.note{color:#555;font-size:.9em}
.charts{display:flex;flex-wrap:wrap;gap:1em}.charts svg{max-width:100%;height:auto}
.wide{overflow-x:auto}p,h1,h2,h3{overflow-wrap:anywhere}
@media (max-width:600px){body{margin:.8em}}
"""


def render_html(report: dict[str, Any]) -> str:
    parts: list[str] = []
    add = parts.append
    add(f"<h1>{escape(report['title'])}</h1>")
    model = report["model"]
    registry = model.get("registry") or {}
    add(
        f"<p class='note'>Generated {escape(report['generated_at'])} in "
        f"{report['generation_seconds']:.1f} s. Model created {escape(str(model['created_at']))}"
        f"; training data {escape(str(model['fingerprint']))}"
        + (
            f"; registry version {registry.get('version')}, status {registry.get('status')}"
            if registry
            else ""
        )
        + ".</p>"
    )

    add("<h2 id='data'>Data</h2>")
    add(
        _table(
            ["sample", "as of", "people", "bads", "bad rate", "scores", "median"],
            [
                [
                    name,
                    d["as_of"] or "–",
                    f"{d['rows']:,}",
                    f"{d['bads']:,}",
                    _pct(d["bad_rate"]),
                    f"{d['score_min']}–{d['score_max']}",
                    f"{d['score_median']:.0f}",
                ]
                for name, d in report["data"].items()
            ],
        )
    )
    for name, p in report.get("population", {}).items():
        reasons = ", ".join(f"{k.replace('_', ' ')} {v:,}"
                            for k, v in p["in_default_by_reason"].items()) or "none"
        add(f"<p class='note'>{escape(name)}: {p['at_risk']:,} people at risk of "
            f"{p['people']:,}; every figure here is on them. Already in default at the "
            f"as-of date and left out ({p['in_default']:,}): {escape(reasons)}.</p>")
    sel = report["selection"]
    add(
        f"<p>{sel['selected']} features selected of {sel['candidates']} candidates. "
        f"The outcome: {escape(report.get('outcome', LAKE_OUTCOME))}.</p>"
    )

    add("<h2 id='features'>Features</h2>")
    for f in report["features"]:
        add(
            f"<h3>{escape(f['name'])} <span class='note'>({escape(f['dimension'])}, trend "
            f"{escape(f['trend'])}, IV {f['iv']:.3f})</span></h3>"
        )
        add(f"<p class='note'>{escape(f['description'])}</p>")
        # Money in cents, shares and days read in words beside the labels that say them.
        worded = any(b.get("words") not in (None, b["bin"]) for b in f["bins"])
        add(
            _table(
                ["bin", *(["in words"] if worded else []), "count", "share", "default rate",
                 "WOE", "IV", "points"],
                [
                    [
                        b["bin"],
                        *([b["words"]] if worded else []),
                        f"{b['count']:,}",
                        _pct(b["share"]),
                        _pct(b["bad_rate"]),
                        _num(b["woe"], "+.3f"),
                        _num(b["iv"], ".4f"),
                        b["points"],
                    ]
                    for b in f["bins"]
                ],
            )
        )
    if sel["left_out"]:
        add("<h3>Left out</h3>")
        add(_table(["feature", "reason"], [[e["feature"], e["reason"]] for e in sel["left_out"]]))

    add("<h2 id='discrimination'>Discrimination</h2>")
    add(
        _table(
            ["sample", "AUC", "Gini", "KS", "people"],
            [
                [name, _num(m["auc"]), _num(m["gini"]), _num(m["ks"]), f"{m['rows']:,}"]
                for name, m in report["performance"].items()
            ],
        )
    )
    add(
        "<div class='charts'>"
        + charts.line_chart(
            [(f"scorecard, {name}", xs, ys) for name, (xs, ys) in report["roc"].items()],
            "ROC (bad = positive)",
            "false-positive rate",
            "true-positive rate",
            diagonal=True,
        )
        + "</div>"
    )

    add("<h2 id='calibration'>Calibration</h2>")
    add(
        "<p class='note'>Predicted: the default probability the published score mapping "
        "gives; observed: the share that turned bad.</p>"
    )
    for name, rows in report["calibration"].items():
        add(f"<h3>{escape(name)}</h3>")
        add(
            _table(
                ["band", "scores", "people", "share", "observed", "predicted"],
                [
                    [
                        r["band"],
                        r["scores"],
                        f"{r['count']:,}",
                        _pct(r["share"]),
                        _pct(r["observed_bad_rate"]),
                        _pct(r["predicted_bad_rate"]),
                    ]
                    for r in rows
                ],
            )
        )
    last = list(report["calibration"])[-1]
    rows = report["calibration"][last]
    add(
        "<div class='charts'>"
        + charts.bar_chart(
            [r["band"] for r in rows],
            [
                ("observed", [r["observed_bad_rate"] for r in rows]),
                ("predicted", [r["predicted_bad_rate"] for r in rows]),
            ],
            f"Bad rate by band ({last})",
            "band",
            "bad rate",
            percent=True,
        )
        + "</div>"
    )

    add("<h2 id='score-distribution'>Score distribution</h2>")
    dist = report["score_distribution"]
    labels = [str(e) for e in dist["edges"][:-1]]
    series = [(name, dist[name]) for name in report["data"]]
    add(
        "<div class='charts'>"
        + charts.bar_chart(
            labels,
            [(n, [v / max(sum(c), 1) for v in c]) for n, c in series],
            "Scores in 25-point buckets",
            "score from",
            "share",
            percent=True,
        )
        + "</div>"
    )
    if report["stability"]:
        st = report["stability"]
        add(
            f"<p>PSI {' → '.join(st.get('samples', ['development', 'out of time']))}: "
            f"{st['psi_development_to_out_of_time']:.4f} "
            f"({escape(st['status'])}; watch from {metrics.PSI_WATCH:.2f}, "
            f"act from {metrics.PSI_ACT:.2f}).</p>"
        )

    add("<h2 id='challenger'>Challenger</h2>")
    ch = report["challenger"]
    judge = ch["judged_on"]
    add(
        f"<p>{escape(ch['model'])}. Judged on the {escape(judge)} sample. "
        f"{escape(ch['decision']['rule'])}.</p>"
    )
    champ = report["performance"][judge]
    rows_ch = [
        [
            "scorecard (champion)",
            _num(champ["auc"]),
            _num(champ["ks"]),
            _num(champ["calibration_error"], ".2%"),
        ]
    ]
    rows_ch += [
        [
            f"challenger ({name})" if name != judge else "challenger",
            _num(m["auc"]),
            _num(m["ks"]),
            _num(m["calibration_error"], ".2%"),
        ]
        for name, m in ch["metrics"].items()
        if name == judge
    ]
    add(_table(["model", "AUC", "KS", "calibration error"], rows_ch))
    d = ch["decision"]
    verdict = "flag" if d["winner"] == "challenger" else "ok"
    add(
        f"<p class='{verdict}'>Winner: {escape(d['winner'])} (AUC gain "
        f"{d['auc_gain']:+.4f}, KS gain {d['ks_gain']:+.4f}, margin {d['margin']:.3f}).</p>"
    )
    add(
        _table(
            ["band", "people", "observed", "predicted (challenger)"],
            [
                [
                    r["band"],
                    f"{r['count']:,}",
                    _pct(r["observed_bad_rate"]),
                    _pct(r["predicted_bad_rate"]),
                ]
                for r in ch["metrics"][judge]["calibration"]
            ],
        )
    )
    xs, ys = report["roc"][judge]
    add(
        "<div class='charts'>"
        + charts.line_chart(
            [("scorecard", xs, ys), ("challenger", *ch["roc"])],
            f"ROC, {judge}",
            "false-positive rate",
            "true-positive rate",
            diagonal=True,
        )
        + "</div>"
    )
    constrained = sum(1 for v in ch["constraints"].values() if v)
    add(
        f"<p class='note'>{constrained} of {len(ch['constraints'])} features monotone-"
        "constrained (+1: default probability may only rise with the value; -1: only "
        "fall).</p>"
    )

    add("<h2 id='fairness'>Fairness</h2>")
    add(_fairness_html(report.get("fairness")))
    add("<h2 id='fairness-truth'>Fairness against the truth</h2>")
    add(_truth_html(report.get("fairness_truth")))
    add("<h2 id='lda'>Less-discriminatory alternatives</h2>")
    add(_lda_html(report.get("lda")))
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(report['title'])}</title><style>{STYLE}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )


def _fairness_html(section: dict[str, Any] | None) -> str:
    if not section:
        return (
            "<p class='note'>No protected attributes were available: the fairness "
            "audit was not run.</p>"
        )
    parts = [
        f"<p class='note'>{section['people']:,} people of the {escape(section['sample'])} "
        "sample. Approval: scoring at or above the threshold. AIR: approval rate over the "
        f"most-approved group's (flagged under {section['air_flag']}). TPR: approval rate "
        "among the truly good (no bad outcome); difference against the most-approved "
        "group. The protected attributes are not model inputs: they are joined to the "
        "scores after scoring.</p>"
    ]
    thresholds = [str(t) for t in section["thresholds"]]
    for attribute, a in section["attributes"].items():
        parts.append(f"<h3>{escape(attribute)}</h3>")
        header = ["group", "people", "mean score", "bad rate"]
        header += [f"approval ≥{t}" for t in thresholds] + [f"AIR ≥{t}" for t in thresholds]
        header += [f"TPR diff ≥{t}" for t in thresholds]
        rows = []
        for g in a["groups"]:
            rows.append(
                [g["group"], f"{g['count']:,}", whole_points(g["mean_score"]),
                 _pct(g.get("bad_rate"))]
                + [_pct(g["approval"][t]) for t in thresholds]
                + [
                    ("⚑ " if g["air"][t] < section["air_flag"] else "") + f"{g['air'][t]:.3f}"
                    for t in thresholds
                ]
                + [_num((g.get("tpr_difference") or {}).get(t), "+.3f") for t in thresholds]
            )
        parts.append(_table(header, rows))
        if a["flags"]:
            parts.append(
                "<p class='flag'>Adverse impact flagged: "
                + ", ".join(
                    f"{escape(f['group'])} at {f['threshold']} (AIR {f['air']:.3f})"
                    for f in a["flags"]
                )
                + "</p>"
            )
        else:
            parts.append("<p class='ok'>No adverse impact ratio under the flag.</p>")
        drivers = a.get("drivers")
        if drivers:
            parts.append(
                f"<p>What drives the gap between {escape(drivers['group'])} and "
                f"{escape(drivers['reference'])} (mean score gap "
                f"{_points(drivers['score_gap'])}, points gap "
                f"{_points(drivers['points_gap'])}):</p>"
            )
            parts.append(
                _table(
                    ["feature", "mean points gap"],
                    [[f["feature"], _points(f["points_gap"])] for f in drivers["features"]]
                    + [
                        [f"{f['feature']} (offsetting)", _points(f["points_gap"])]
                        for f in drivers["offsetting"]
                    ],
                )
            )
    return "\n".join(parts)


def _unavailable(section: dict[str, Any] | None) -> str | None:
    if section and section.get("available"):
        return None
    reason = (section or {}).get("reason", "not computed for this report")
    return f"<p class='note'>Not available: {escape(reason)}.</p>"


def _where(where: dict[str, Any] | None) -> str:
    if not where:
        return "–"
    return f"{where['attribute']} {where['group']} at {where['threshold']}"


def _truth_html(section: dict[str, Any] | None) -> str:
    missing = _unavailable(section)
    if missing or section is None:
        return missing or ""
    thresholds = [str(t) for t in section["thresholds"]]
    goal = section["goal"]
    parts = [
        f"<p class='note'>{section['people']:,} of the {section['sample_people']:,} people "
        f"of the {escape(section['sample'])} sample have a true 12-month default "
        f"probability as of {escape(str(section['as_of']))} (mean "
        f"{section['mean_true_pd']:.1%}). At each cut-off the truth approves as many "
        "people as the model, those with the lowest true probability (people tied at the "
        "boundary share what is left). TPR: approved among the truly good (no bad "
        "outcome), the same people on both sides. A group's TPR gap is the reference "
        "group's TPR minus its own, and its AIR its approval rate over the reference's; "
        "the reference is the group the model approves most, on both sides. Excess TPR "
        "gap: the model's gap minus the truth's; excess AIR gap: the truth's AIR minus the "
        "model's. Positive: the model sets the group back more than its true risk "
        "does.</p>",
        "<p>Approval rate, the model's and the truth's alike: "
        + ", ".join(f"≥{t} {_pct(section['approval'][t])}" for t in thresholds)
        + ".</p>",
    ]
    tolerance = goal["tolerance"]
    aim = (
        f"every {escape(goal['attribute'])} group's TPR gap within {tolerance} of the "
        "truth's at every cut-off"
    )
    if goal["met"] is None:
        parts.append(f"<p class='note'>Goal ({aim}): no such attribute.</p>")
    elif goal["met"]:
        parts.append(f"<p class='ok'>Goal met: {aim}.</p>")
    else:
        parts.append(
            f"<p class='flag'>Goal missed ({aim}) at {len(goal['misses'])}: "
            + "; ".join(
                f"{escape(m['group'])} at {m['threshold']} (model {m['model_tpr_gap']:+.3f}, "
                f"truth {m['truth_tpr_gap']:+.3f}, excess {m['excess_tpr_gap']:+.3f})"
                for m in goal["misses"]
            )
            + ".</p>"
        )
    rows = []
    for attribute, a in section["attributes"].items():
        for t in thresholds:
            f = a["summary"][t]
            rows.append(
                [
                    attribute,
                    t,
                    _num(f["model_max_tpr_gap"], ".3f"),
                    _num(f["truth_max_tpr_gap"], ".3f"),
                    _num(f["excess_max_tpr_gap"], "+.3f"),
                    _num(f["largest_excess_tpr_gap"], "+.3f"),
                    _num(f["model_min_air"], ".3f"),
                    _num(f["truth_min_air"], ".3f"),
                    _num(f["excess_air_gap"], "+.3f"),
                ]
            )
    parts.append("<h3>By attribute</h3>")
    parts.append(
        _table(
            [
                "attribute",
                "cut-off",
                "largest TPR gap: model",
                "truth",
                "excess",
                "group excess TPR gap furthest from 0",
                "lowest AIR: model",
                "truth",
                "excess AIR gap",
            ],
            rows,
        )
    )
    misses = {(m["group"], str(m["threshold"])) for m in goal["misses"]}
    for attribute, a in section["attributes"].items():
        parts.append(f"<h3>{escape(attribute)}</h3>")
        rows = []
        for g in a["groups"]:
            for t in thresholds:
                excess = g["excess_tpr_gap"][t]
                missed = attribute == goal["attribute"] and (g["group"], t) in misses
                model, truth = g["model"], g["truth"]
                rows.append(
                    [
                        g["group"] + (" (reference)" if a["reference"][t] == g["group"] else ""),
                        f"{g['count']:,}",
                        _pct(g["mean_true_pd"]),
                        _pct(g["bad_rate"]),
                        t,
                        _pct(model["approval"][t]),
                        _pct(truth["approval"][t]),
                        _pct(model["tpr"][t]),
                        _pct(truth["tpr"][t]),
                        _num(model["tpr_gap"][t], "+.3f"),
                        _num(truth["tpr_gap"][t], "+.3f"),
                        ("⚑ " if missed else "") + _num(excess, "+.3f"),
                        _num(model["air"][t], ".3f"),
                        _num(truth["air"][t], ".3f"),
                        _num(g["excess_air_gap"][t], "+.3f"),
                    ]
                )
        parts.append(
            _table(
                [
                    "group",
                    "people",
                    "mean true PD",
                    "bad rate",
                    "cut-off",
                    "approval: model",
                    "truth",
                    "TPR: model",
                    "truth",
                    "TPR gap: model",
                    "truth",
                    "excess TPR gap",
                    "AIR: model",
                    "truth",
                    "excess AIR gap",
                ],
                rows,
            )
        )
    return "\n".join(parts)


def _changes(row: dict[str, Any]) -> str:
    said = []
    if row.get("left_out"):
        said.append("left out " + ", ".join(row["left_out"]))
    if row.get("caps"):
        said.append("capped " + ", ".join(f"{n} at {v:g}" for n, v in row["caps"].items()))
    if row.get("added"):
        said.append("took up " + ", ".join(row["added"]))
    if row.get("dropped"):
        said.append("lost " + ", ".join(row["dropped"]))
    return "; ".join(said) or "–"


def _lda_html(section: dict[str, Any] | None) -> str:
    missing = _unavailable(section)
    if missing or section is None:
        return missing or ""
    champion = section["champion"]
    caps = section["caps"]
    parts = [
        "<p class='note'>Alternatives to the champion, each refitted on the development "
        "sample with the champion's settings (its fit parameters, scaling and the "
        "catalogue's dictionary), changed in one way: a selected feature left out, or the "
        f"{escape(caps['dimension'])} features whose trend is {escape(caps['trend'])} ("
        + (escape(", ".join(caps["features"])) or "none")
        + ") clipped at a percentile of their development values, so that their bins above "
        "it merge (missing and special values untouched; a feature a cap would leave "
        "constant is left out). Judged on the "
        f"{escape(section['judged_on'])} sample: AUC and the lowest adverse impact ratio "
        f"over the protected attributes, groups and cut-offs. {escape(section['rule'])}. "
        f"Search time {section['seconds']:.1f} s.</p>",
        f"<p>Champion: AUC {champion['auc']:.4f}, lowest AIR {_num(champion['min_air'], '.3f')}"
        f" ({escape(_where(champion['where']))}), largest age-band TPR gap "
        f"{_num(champion['max_tpr_gap'].get('age_band'), '.3f')}, {champion['features']} "
        "features.</p>",
    ]
    if section["flagged"]:
        parts.append(
            f"<p class='flag'>{section['flagged']} of {len(section['alternatives'])} "
            "alternatives flagged as less discriminatory at little cost in AUC: "
            + ", ".join(escape(r["name"]) for r in section["alternatives"] if r["flagged"])
            + ".</p>"
        )
    else:
        parts.append(
            f"<p class='ok'>None of the {len(section['alternatives'])} alternatives is flagged.</p>"
        )

    def order(row: dict[str, Any]) -> tuple[int, float]:
        change = row.get("min_air_change")
        return (
            0 if row["kind"] == "reference" else 1 if change is not None else 2,
            -(change or 0.0),
        )

    rows = []
    for row in sorted(section["alternatives"], key=order):
        if "error" in row:
            rows.append(
                [
                    row["name"],
                    "–",
                    _changes(row),
                    "–",
                    "–",
                    "–",
                    "–",
                    "–",
                    "–",
                    "failed: " + row["error"],
                ]
            )
            continue
        verdict = "⚑ flagged" if row["flagged"] else ""
        if row["kind"] == "reference":
            verdict = (
                "reproduces the champion"
                if row.get("reproduces_champion")
                else ("differs from the champion")
            )
        rows.append(
            [
                row["name"],
                row["features"],
                _changes(row),
                _num(row["auc"]),
                _num(row["auc_change"], "+.4f"),
                _num(row["min_air"], ".3f"),
                _where(row["where"]),
                _num(row["min_air_change"], "+.3f"),
                _num(row["max_tpr_gap"].get("age_band"), ".3f"),
                verdict,
            ]
        )
    parts.append(
        _table(
            [
                "alternative",
                "features",
                "changes",
                "AUC",
                "AUC change",
                "lowest AIR",
                "where",
                "AIR change",
                "largest age-band TPR gap",
                "verdict",
            ],
            rows,
        )
    )
    return "\n".join(parts)
