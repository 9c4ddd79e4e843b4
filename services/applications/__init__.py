"""The applications service: organisations, submissions, eligibility, evaluation, selection."""
