"""The services whose events reporting consumes, folds and audits."""

SOURCES = ("calls", "applications", "payments")
