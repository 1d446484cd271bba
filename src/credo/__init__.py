"""credo: an open creditworthiness scoring platform.

Scores from 350 to 950, explained along five dimensions, shared with partners only
with the person's authorization.
"""

__version__ = "0.1.0"
