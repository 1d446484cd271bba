"""Operators: console sessions and keys (logic, HTTP endpoints, shapes)."""
