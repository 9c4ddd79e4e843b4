"""The payments service: grants, instalments, four-eyes payments, recoveries, the ledger."""

NAME = "payments"
# Where it listens unless CASCADE_PAYMENTS_PORT says otherwise.
PORT = 8003
