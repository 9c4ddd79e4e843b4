"""Cascade test suite: unit (no I/O), integration (real PostgreSQL and broker), e2e."""
