"""Test support shared by every app's tests: the fixed clock and the personas (no production code imports it)."""
