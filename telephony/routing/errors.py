"""Domain errors of the router; HTTP maps `code` to a status (unknown → 404, others → 409)."""

from __future__ import annotations


class RoutingError(Exception):
    """A request that does not fit the current state: unknown id, wrong transition, lost offer."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)
