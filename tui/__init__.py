"""The codadesk terminal app."""
