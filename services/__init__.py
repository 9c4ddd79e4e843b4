"""The four Cascade services; each imports `shared` and other services' `events` only."""
