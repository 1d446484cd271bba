"""Deterministic synthetic credit table for the benchmark: N rows x 30 features.

What it is built to exercise, and why:
- skewed amounts (log-normal incomes, zero-inflated savings) so equal-width bins fail;
- non-linear but monotone effects on the log-odds (log, sqrt, logistic steps), which
  a binned scorecard should capture and a linear model on raw values would not;
- a few U-shaped effects (age, open accounts, balance trend) so that forcing every
  feature to be monotone costs AUC and the trend choice matters;
- 5-20% missing values in several columns, with missingness that depends on the
  hidden value (low incomes are more often undeclared), so "missing" is informative;
- structural missingness (months since last delinquency is empty without one);
- correlated features, proxies without an effect of their own, and pure noise;
- text categories with rare levels.

Labels are drawn from a known probability, saved as `p_true`: its AUC on the test
rows is the ceiling that no model trained on these features can pass.

Only numpy and pyarrow are used so that the file reads identically in every
benchmark environment (pandas 2 and pandas 3 name string dtypes differently).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

try:  # run as a script (bench/ on sys.path) or imported as bench.synthetic
    from common import DATA_DIR, SEED, TARGET, TRUE_PROBA
except ImportError:  # pragma: no cover
    from bench.common import DATA_DIR, SEED, TARGET, TRUE_PROBA

# Bump when the generating process changes, so stale caches are never reused.
GENERATOR_VERSION = 1
BAD_RATE = 0.08
# Overall strength of the signal: the true-probability AUC is ~0.89 at 1M rows,
# leaving visible room above what models reach once missing values hide inputs.
SIGNAL = 1.0


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _with_missing(x: np.ndarray, p_missing: np.ndarray | float, u: np.ndarray) -> np.ndarray:
    out = x.astype(np.float64, copy=True)
    out[u < p_missing] = np.nan
    return out


def _categorical(
    rng: np.random.Generator, levels: list[str], probs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Codes drawn with row-specific probabilities (an n x k matrix)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0])[:, None]
    codes = (u > cum).sum(axis=1).clip(0, len(levels) - 1)
    return codes, np.asarray(levels)


def generate(n: int = 1_000_000, seed: int = SEED) -> tuple[dict[str, np.ndarray], np.ndarray,
                                                            np.ndarray]:
    """Return (columns, y, p_true). Columns are float64 arrays or arrays of str."""
    rng = np.random.default_rng(seed)
    # Three latent traits make the observed features correlated the way bureau
    # variables are: financial capacity, repayment behaviour, stability.
    fin, beh, stab = rng.standard_normal((3, n))

    def noise() -> np.ndarray:
        return rng.standard_normal(n)

    cols: dict[str, np.ndarray] = {}
    logit = np.zeros(n)

    income = np.exp(10.4 + 0.55 * (0.75 * fin + 0.66 * noise()))
    logit += -0.55 * np.log(income / np.median(income))
    # Low incomes go undeclared more often: missingness carries risk information.
    cols["income"] = _with_missing(income, 0.06 + 0.12 * (income < np.quantile(income, 0.3)),
                                   rng.random(n))

    dti = np.clip(rng.gamma(2.0, 0.16, n) * np.exp(-0.35 * fin), 0, 4)
    logit += 1.3 * _sigmoid((dti - 0.45) / 0.07)  # a cliff: little effect, then a jump
    cols["debt_to_income"] = dti

    util = _sigmoid(-0.6 + 1.3 * (-0.65 * beh + 0.76 * noise()))
    logit += 1.7 * np.sqrt(util)
    cols["utilization"] = _with_missing(util, 0.08, rng.random(n))

    mob = rng.exponential(48.0, n) * np.exp(0.3 * stab)
    logit += -0.45 * np.log1p(mob / 6.0)
    cols["months_on_book"] = np.round(mob)

    delinq = rng.poisson(0.25 * np.exp(-0.8 * beh))
    logit += 0.75 * np.sqrt(delinq)
    cols["n_delinquencies_24m"] = delinq.astype(np.float64)

    inq = rng.poisson(1.0 * np.exp(-0.35 * beh))
    logit += 0.3 * np.log1p(inq)
    cols["inquiries_6m"] = inq.astype(np.float64)

    age = np.clip(18 + rng.gamma(4.0, 6.5, n) * np.exp(0.15 * stab), 18, 90)
    logit += np.minimum(0.0011 * (age - 47.0) ** 2, 1.5)  # U: young and very old riskier
    cols["age"] = np.floor(age)

    n_open = rng.poisson(6.0 * np.exp(0.3 * fin + 0.2 * noise()))
    logit += np.minimum(0.3 * ((n_open - 7.0) / 3.5) ** 2, 1.5)  # U: thin file or overextended
    cols["n_open_accounts"] = n_open.astype(np.float64)

    savings = np.where(rng.random(n) < 0.3, 0.0,
                       np.exp(7.0 + 1.5 * (0.6 * fin + 0.8 * noise())))
    logit += -0.25 * np.log1p(savings / 500.0)
    cols["savings_balance"] = _with_missing(savings, 0.15, rng.random(n))

    loan = np.exp(9.0 + 0.6 * (0.5 * fin + 0.87 * noise()))
    logit += 0.15 * np.log(loan / 10_000.0)
    cols["loan_amount"] = np.round(loan, 2)

    # Derived ratio: correlated with debt_to_income and missing wherever income is.
    pti = loan / 36.0 / (cols["income"] / 12.0)
    logit += 0.8 * _sigmoid((np.log(loan / 36.0 / (income / 12.0)) + 2.0) / 0.25)
    cols["payment_to_income"] = pti

    bureau = 650 + 80 * (0.6 * beh + 0.3 * fin + 0.74 * noise())
    logit += -0.011 * (bureau - 650)  # the one near-linear effect
    cols["bureau_score"] = np.round(bureau)

    since = np.where(delinq > 0, np.round(rng.gamma(1.5, 8.0, n)), np.nan)
    logit += np.where(delinq > 0, 0.6 * np.exp(-np.nan_to_num(since) / 6.0), 0.0)
    cols["months_since_delinquency"] = since  # structurally missing: no delinquency

    addr = rng.exponential(5.0, n) * np.exp(0.3 * stab)
    logit += -0.2 * np.log1p(addr)
    cols["years_at_address"] = np.round(addr, 1)

    vol = np.exp(-1.0 + 0.6 * (-0.4 * fin + 0.92 * noise()))
    logit += 0.9 * _sigmoid((np.log(vol) + 0.5) / 0.15)
    cols["cash_flow_volatility"] = _with_missing(vol, 0.04 + 0.12 * (vol > np.quantile(vol, 0.7)),
                                                 rng.random(n))

    trend = 0.5 * beh + 0.87 * noise()
    logit += 0.3 * trend**2  # U: fast growth and fast decline of balances are both risky
    cols["balance_trend"] = trend

    emp = rng.gamma(2.0, 4.0, n) * np.exp(0.3 * stab)
    logit += -0.35 * np.log1p(emp)
    cols["employment_years"] = _with_missing(
        np.round(emp, 1), 0.12 + 0.16 * (emp < 2.0), rng.random(n)
    )

    # Proxies: informative only through what they share with real drivers.
    cols["declared_income"] = _with_missing(
        np.round(income * np.exp(0.25 * noise()), -2), 0.05, rng.random(n)
    )
    limit = np.exp(8.5 + 0.7 * (0.7 * fin + 0.71 * noise()))
    cols["revolving_balance"] = np.round(util * limit, 2)
    cols["n_credit_lines_total"] = (n_open + rng.poisson(4.0, n)).astype(np.float64)

    # Pure noise, in several shapes, one of them with missing values.
    cols["noise_normal"] = noise()
    cols["noise_uniform"] = rng.random(n)
    cols["noise_lognormal"] = _with_missing(np.exp(noise()), 0.05, rng.random(n))
    cols["noise_count"] = rng.poisson(3.0, n).astype(np.float64)
    cols["noise_bimodal"] = np.where(rng.random(n) < 0.4, -2.0, 2.0) + 0.5 * noise()

    # Categorical columns with rare levels.
    emp_levels = ["salaried", "self_employed", "contractor", "retired", "student",
                  "unemployed", "other"]
    emp_effect = np.array([0.0, 0.2, 0.3, -0.1, 0.4, 0.9, 0.3])
    base = np.array([0.60, 0.15, 0.10, 0.08, 0.05, 0.015, 0.005])
    # Less stable people are more often contractors/unemployed: correlated with stab.
    tilt = np.array([0.3, 0.0, -0.3, 0.1, -0.2, -0.6, 0.0])
    w = base[None, :] * np.exp(np.outer(stab, tilt))
    codes, levels = _categorical(rng, emp_levels, w / w.sum(axis=1, keepdims=True))
    logit += emp_effect[codes]
    cols["employment_type"] = levels[codes]

    n_regions = 40
    region_p = 1.0 / np.arange(1, n_regions + 1) ** 1.2  # Zipf: a long tail of rare regions
    region_p /= region_p.sum()
    region_effect = rng.normal(0.0, 0.2, n_regions)
    codes = rng.choice(n_regions, size=n, p=region_p)
    logit += region_effect[codes]
    cols["region"] = np.array([f"R{i:02d}" for i in range(n_regions)])[codes]

    codes = rng.choice(4, size=n, p=[0.35, 0.30, 0.34, 0.01])
    logit += np.array([-0.2, -0.1, 0.2, 0.4])[codes]
    cols["housing"] = np.array(["own", "mortgage", "rent", "other"])[codes]

    codes = rng.choice(4, size=n, p=[0.3, 0.5, 0.15, 0.05])
    cols["channel"] = np.array(["branch", "online", "broker", "partner"])[codes]  # noise

    codes = rng.choice(5, size=n, p=[0.40, 0.35, 0.12, 0.11, 0.02])
    logit += np.array([0.1, 0.2, -0.1, -0.3, 0.5])[codes]
    cols["product"] = np.array(["card", "personal_loan", "auto", "mortgage", "bnpl"])[codes]

    # Calibrate the intercept so the mean probability is the target bad rate.
    logit = SIGNAL * (logit - logit.mean())
    lo, hi = -10.0, 5.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if _sigmoid(logit + mid).mean() > BAD_RATE:
            hi = mid
        else:
            lo = mid
    p_true = _sigmoid(logit + (lo + hi) / 2)
    y = (rng.random(n) < p_true).astype(np.int8)
    assert len(cols) == 30, len(cols)
    return cols, y, p_true


def cache_path(n: int, seed: int = SEED) -> Path:
    return DATA_DIR / f"synthetic_n{n}_s{seed}_v{GENERATOR_VERSION}.parquet"


def write_parquet(cols: dict[str, np.ndarray], y: np.ndarray, p_true: np.ndarray | None,
                  path: Path) -> None:
    arrays: dict[str, pa.Array] = {}
    for name, values in cols.items():
        if values.dtype.kind in "fiu":
            arrays[name] = pa.array(values.astype(np.float64))
        else:
            arrays[name] = pa.array(values.astype(str).tolist(), type=pa.string())
    arrays[TARGET] = pa.array(y.astype(np.int8))
    if p_true is not None:
        arrays[TRUE_PROBA] = pa.array(p_true.astype(np.float64))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    pq.write_table(pa.table(arrays), tmp)
    tmp.replace(path)  # atomic: an interrupted run never leaves a half-written cache


def ensure_synthetic(n: int = 1_000_000, seed: int = SEED) -> Path:
    """Generate once, then reuse the Parquet cache."""
    path = cache_path(n, seed)
    if not path.exists():
        cols, y, p_true = generate(n, seed)
        write_parquet(cols, y, p_true, path)
    return path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=SEED)
    a = p.parse_args()
    print(ensure_synthetic(a.rows, a.seed))


if __name__ == "__main__":
    main()
