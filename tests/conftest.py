"""Shared test settings."""

import os

from hypothesis import HealthCheck, settings

# Compiled kernels make the first example slow; deadlines would flag compilation.
# In CI the examples are derived from each test's name, so a run is reproducible.
settings.register_profile(
    "credo",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    max_examples=60,
    derandomize=bool(os.environ.get("CI")),
)
settings.load_profile("credo")
