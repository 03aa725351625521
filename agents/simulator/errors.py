"""The error a client event can cause: it becomes an `error` event and the session stays open."""

from __future__ import annotations


class ClientError(Exception):
    """A problem with a client event; becomes an `error` event, the session stays open."""

    def __init__(self, code: str, message: str, param: str | None = None, kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.code, self.message, self.param, self.kind = code, message, param, kind
