"""Mandates: reading them, their actions, their documents, Twikey."""
