"""Operator commands: the dead-letter store, reconciliation of bills, the Athena/Glue table."""
