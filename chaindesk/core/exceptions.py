class InvalidTransition(Exception):
    """A compare-and-set state change found the object no longer in the expected state (HTTP 409)."""


class AppendOnlyError(Exception):
    """Audit records are never changed or deleted."""
