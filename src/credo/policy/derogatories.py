"""Severe derogatories always count, however rare.

A bankruptcy, a court judgment for debt or a written-off account is the strongest
evidence a record can hold that an obligation was not met. In a development sample they
are rare (and the people who hold a recent one are mostly already in default, so left
out), too rare for a statistical bin of their own. So credo treats the features that
count them as declared severe: whatever the sample, having one on record always costs
points, at least ``MIN_ODDS_RATIO`` times the odds of default (one doubling: the scale's
points to double the odds), and more when the data shows more. This is a policy, as the
purposes are, and changed only by a reviewed code change.
"""

from __future__ import annotations

import math

# Having a severe derogatory on record multiplies the odds of default by at least this.
MIN_ODDS_RATIO = 2.0


def min_log_odds() -> float:
    return math.log(MIN_ODDS_RATIO)
