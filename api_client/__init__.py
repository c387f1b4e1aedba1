"""Typed async client for codadesk's HTTP API v1 (SPEC §6)."""
