"""Textual CSS of the codadesk app, shipped in the wheel."""
