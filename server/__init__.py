"""The reference codadesk API server."""
