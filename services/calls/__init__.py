"""The calls service: programmes and open calls, their rules, budgets and deadlines."""

NAME = "calls"
# Where it listens unless CASCADE_CALLS_PORT says otherwise.
PORT = 8001
