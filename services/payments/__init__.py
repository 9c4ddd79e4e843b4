"""The payments service: grants, instalments, four-eyes payments, recoveries, the ledger."""
