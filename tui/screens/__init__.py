"""Screens of the codadesk app, one per module."""
