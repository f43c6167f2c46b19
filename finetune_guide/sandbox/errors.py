"""The sandbox's API errors: an HTTP status plus the `{"error": {...}}` body both services send."""

from __future__ import annotations

from collections.abc import Mapping


class SandboxError(Exception):
    """A request the simulated service refuses, with the status and body the real service would send."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        error_type: str = "invalid_request_error",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param
        self.error_type = error_type
        self.headers = dict(headers or {})

    def body(self) -> dict[str, object]:
        return {
            "error": {
                "message": self.message,
                "type": self.error_type,
                "param": self.param,
                "code": self.code,
            }
        }


def bad_request(message: str, *, param: str | None = None, code: str | None = None) -> SandboxError:
    return SandboxError(400, message, param=param, code=code)


def not_found(message: str, *, code: str, param: str | None = None) -> SandboxError:
    return SandboxError(404, message, code=code, param=param)
