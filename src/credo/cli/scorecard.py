"""Scorecard commands: train, score, explain, report."""
