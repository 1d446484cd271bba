"""Ground truth: the exact 12-month probability of a bad outcome from the latent state.

The outcome (the one the model layer trains on): a person is *bad* at as-of date T if,
in the 12 months after T, any account reaches 90+ days past due, is charged off, or a
court judgment or bankruptcy is recorded. As-of month index ``t`` means
T = first day of calendar month t+1; the window covers months t+1 .. t+12.

A default spiral started in month s produces those events in months s+2 (90 dpd),
s+3 (charge-off) and, for some, s+L (judgment or bankruptcy, L in 5..9). Hence:

* a spiral already started (s <= t) makes the outcome certain while any of its events
  is still ahead: t in [s, last_event - 1];
* otherwise the outcome happens iff a new spiral starts in months t+1 .. t+10, whose
  probability follows from the two-state shock chain and the person's hazards, by a
  forward recursion over the chain (exact, no sampling).

The same process generates the records, so the realised rate matches the mean PD.
"""

from __future__ import annotations

import numpy as np

from credo.simulate.traits import P_SHOCK_EXIT, People

WINDOW = 12
LEAD = 2  # months from spiral start to 90 days past due
FUTURE_STARTS = WINDOW - LEAD  # starts in t+1..t+10 reach 90 dpd inside the window


def survival(people: People, months_ahead: int = FUTURE_STARTS) -> tuple[np.ndarray, np.ndarray]:
    """P(no spiral starts in the next ``months_ahead`` months | shock state now = 0 / 1)."""
    h0, h1 = people.hazards()
    p_in = people.p_shock_enter()
    p_out = P_SHOCK_EXIT
    out = []
    for start in (0, 1):
        v0 = np.full(people.n, 1.0 if start == 0 else 0.0)
        v1 = np.full(people.n, 1.0 if start == 1 else 0.0)
        for _ in range(months_ahead):
            n0 = (v0 * (1 - p_in) + v1 * p_out) * (1 - h0)
            n1 = (v0 * p_in + v1 * (1 - p_out)) * (1 - h1)
            v0, v1 = n0, n1
        out.append(v0 + v1)
    return out[0], out[1]


def true_pd(
    people: People,
    shocks: np.ndarray,
    spiral_person: np.ndarray,
    spiral_start: np.ndarray,
    spiral_last_event: np.ndarray,
) -> np.ndarray:
    """n x months matrix of the true 12-month PD at each as-of month."""
    n, months = shocks.shape
    s0, s1 = survival(people)
    pd = 1 - np.where(shocks, s1[:, None], s0[:, None])
    # Already-started spirals: certain while an event is still ahead.
    certain = np.zeros((n, months + 1), dtype=np.int32)
    lo = np.clip(spiral_start, 0, months)
    hi = np.clip(spiral_last_event, 0, months)  # exclusive: t < last_event
    np.add.at(certain, (spiral_person, lo), 1)
    np.add.at(certain, (spiral_person, hi), -1)
    known = np.cumsum(certain, axis=1)[:, :months] > 0
    pd[known] = 1.0
    return pd


def realised(
    n: int, months: int, event_person: np.ndarray, event_month: np.ndarray
) -> np.ndarray:
    """n x months: 1 if a bad event happened in t+1..t+12, 0 if not, -1 if beyond horizon."""
    grid = np.zeros((n, months + WINDOW + 1), dtype=np.int32)
    keep = event_month < months + WINDOW
    np.add.at(grid, (event_person[keep], event_month[keep] + 1), 1)
    cum = np.cumsum(grid, axis=1)  # cum[:, m] = events in months < m
    t = np.arange(months)
    out = (cum[:, t + WINDOW + 1] - cum[:, t + 1] > 0).astype(np.int64)
    out[:, t + WINDOW > months - 1] = -1
    return out
