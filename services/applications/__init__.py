"""The applications service: organisations, submissions, eligibility, evaluation, selection."""

NAME = "applications"
# Where it listens unless CASCADE_APPLICATIONS_PORT says otherwise.
PORT = 8002
