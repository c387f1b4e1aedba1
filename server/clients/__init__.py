"""Client records: search, read, check, save, history."""
