"""Latent traits and protected attributes of simulated people, and their risk process.

Everything a source later reports follows from a handful of latent traits:

* ``log_income``: level of monthly income (log of currency units);
* ``stability``: in (0, 1), regularity of income and of life (moves, phone changes);
* ``discipline``: standard normal, how reliably bills are paid;
* ``leverage``: standard normal, appetite for credit (cards, loans, utilisation);

plus a monthly two-state *shock* chain (job loss, illness, separation): entering a shock
is likelier for unstable people, it lasts ~6 months, cuts income and raises risk.

The risk process is a monthly hazard of a *default spiral* (an account starts missing
payments and rolls to 90+ days and charge-off). The hazard depends on the static traits
and the current shock state only, so the probability of a bad outcome over the next
12 months can be computed exactly from the latent state (see ``truth.py``).

Protected attributes (sex, age band, region) enter **weakly**:

* indirectly, through income (age curve, regional income levels, a small sex gap of
  ``SEX_INCOME_GAP`` in log income) and through stability/discipline rising with age;
* directly, through small additive terms on the hazard's logit:
  ``AGE_LOGIT`` (at most +0.15 for 18-24) and ``REGION_LOGIT`` (within +-0.05);
  sex has no direct effect.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SEXES = np.array(["female", "male"])
AGE_BANDS = np.array(["18-24", "25-34", "35-44", "45-54", "55-64", "65+"])
AGE_P = np.array([0.12, 0.20, 0.19, 0.18, 0.16, 0.15])
AGE_MID_YEARS = np.array([21, 30, 40, 50, 60, 72])
REGIONS = np.array(
    ["capital", "north", "south", "east", "west", "central", "coast", "mountains"]
)
REGION_P = np.array([0.22, 0.13, 0.15, 0.12, 0.12, 0.11, 0.09, 0.06])

MEAN_LOG_INCOME = 7.6  # about 2,000 currency units a month
AGE_INCOME = np.array([-0.45, -0.10, 0.10, 0.15, 0.10, -0.20])
REGION_INCOME = np.array([0.18, -0.05, -0.08, 0.00, 0.02, -0.03, 0.05, -0.12])
SEX_INCOME_GAP = 0.04
AGE_STABILITY = np.array([-0.6, -0.2, 0.1, 0.3, 0.4, 0.5])
AGE_DISCIPLINE = np.array([-0.15, -0.05, 0.0, 0.05, 0.08, 0.10])

AGE_LOGIT = np.array([0.15, 0.05, 0.0, 0.0, -0.03, -0.05])
REGION_LOGIT = np.array([-0.03, 0.03, 0.05, 0.0, -0.02, 0.02, -0.05, 0.04])

BASE_LOGIT = -6.1
SHOCK_LOGIT = 1.6
P_SHOCK_EXIT = 1 / 6  # mean shock length six months
SHOCK_INCOME = 0.4  # income multiplier while in shock


@dataclass
class People:
    """One chunk of simulated people (arrays of equal length)."""

    person_id: np.ndarray  # str
    sex: np.ndarray  # int index into SEXES
    age: np.ndarray  # int index into AGE_BANDS
    region: np.ndarray  # int index into REGIONS
    log_income: np.ndarray
    stability: np.ndarray
    discipline: np.ndarray
    leverage: np.ndarray

    @property
    def n(self) -> int:
        return len(self.person_id)

    @property
    def income_cents(self) -> np.ndarray:
        return np.round(np.exp(self.log_income) * 100).astype(np.int64)

    def hazard_logit(self) -> np.ndarray:
        """Logit of the monthly default-spiral hazard outside a shock."""
        return (
            BASE_LOGIT
            - 0.9 * self.discipline
            + 0.45 * self.leverage
            - 0.6 * (self.log_income - MEAN_LOG_INCOME)
            - 1.5 * (self.stability - 0.7)
            + AGE_LOGIT[self.age]
            + REGION_LOGIT[self.region]
        )

    def hazards(self) -> tuple[np.ndarray, np.ndarray]:
        """Monthly spiral hazard (no shock, shock)."""
        z = self.hazard_logit()
        return 1 / (1 + np.exp(-z)), 1 / (1 + np.exp(-(z + SHOCK_LOGIT)))

    def p_shock_enter(self) -> np.ndarray:
        return 0.004 + 0.03 * (1 - self.stability)


def draw_people(rng: np.random.Generator, first_index: int, n: int, seed: int) -> People:
    idx = np.arange(first_index, first_index + n)
    person_id = np.char.add(f"s{seed}-p", np.char.zfill(idx.astype(str), 8))
    sex = rng.integers(0, 2, n)
    age = rng.choice(len(AGE_BANDS), n, p=AGE_P)
    region = rng.choice(len(REGIONS), n, p=REGION_P)
    log_income = (
        MEAN_LOG_INCOME
        + AGE_INCOME[age]
        + REGION_INCOME[region]
        + SEX_INCOME_GAP * (sex - 0.5)
        + rng.normal(0, 0.45, n)
    )
    stability = 1 / (1 + np.exp(-(1.0 + AGE_STABILITY[age] + rng.normal(0, 0.8, n))))
    discipline = AGE_DISCIPLINE[age] + rng.normal(0, 1, n)
    leverage = -0.3 * discipline + rng.normal(0, 0.95, n)
    return People(person_id, sex, age, region, log_income, stability, discipline, leverage)


def simulate_shocks(
    rng: np.random.Generator, people: People, months: int
) -> np.ndarray:
    """Shock state per person and month (bool array n x months), from stationarity."""
    p_in = people.p_shock_enter()
    state = rng.random(people.n) < p_in / (p_in + P_SHOCK_EXIT)
    out = np.empty((people.n, months), dtype=bool)
    for t in range(months):
        u = rng.random(people.n)
        state = np.where(state, u >= P_SHOCK_EXIT, u < p_in)
        out[:, t] = state
    return out
