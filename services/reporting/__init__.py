"""The reporting service: projections, point-in-time figures, audit trail, exports."""

NAME = "reporting"
# Where it listens unless CASCADE_REPORTING_PORT says otherwise.
PORT = 8004
