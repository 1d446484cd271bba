"""Simulator command (filled in below)."""
