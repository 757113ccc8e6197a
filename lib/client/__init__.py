"""The gnt-* commands, one module each (scripts/gnt-* call their Main)."""
