"""The reporting service: projections, point-in-time figures, audit trail, exports."""
