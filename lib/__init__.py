"""Ganeti: a cluster manager for virtual machines (a Python 3 re-implementation
of the Ganeti 2.1 design)."""
