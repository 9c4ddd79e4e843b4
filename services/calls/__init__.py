"""The calls service: programmes and open calls, their rules, budgets and deadlines."""
