"""Notifications: the in-app list, the e-mail settings and the outbox sender."""
