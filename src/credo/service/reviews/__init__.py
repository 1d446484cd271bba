"""Human review: a person asks a human to review their score; an operator decides."""
