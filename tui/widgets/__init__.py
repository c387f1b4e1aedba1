"""Reusable widgets of the codadesk app, one per module."""
