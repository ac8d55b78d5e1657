"""Test-data factories: seeded CDR traffic with multi-leg call flows, the bad-record catalogue,
Asterisk samples and fraud scenarios."""
