"""`EmailStr`, as pydantic's: a string checked and normalised by the `email-validator` package
(which pydantic uses too, with `check_deliverability=False`: no DNS look-up), reached through
the app's `requirements.txt` — `email-validator`, or `pydantic[email]` / `fastapi[standard]`,
which bring it. A display-name form, `Ada <ada@example.com>`, is read for its address."""

from __future__ import annotations

import re
from typing import Any

#: The longest address pydantic reads.
MAX_EMAIL_LENGTH = 2048

# `Name <address>` or `"Quoted Name" <address>`, as pydantic reads a display name.
_NAME_CHARS = r"[\w.!#$%&'*+\-/=?^_`{|}~]"
_PRETTY_EMAIL = re.compile(
    rf'\s*(?:((?:{_NAME_CHARS}+\s+)*{_NAME_CHARS}+)|"((?:[^"]|\")+)")?\s*<(.+)>\s*'
)


class EmailStr:
    """pydantic's `EmailStr`: annotate a model field or a body with it; the value is a `str`,
    the address as `email-validator` normalises it."""


def email_module() -> Any:
    """The `email_validator` module, or `None` when the app does not install it."""
    try:
        import email_validator
    except ImportError:
        return None
    return email_validator


def email_problem(module: Any, value: str) -> tuple[str | None, str | None]:
    """The normalised address and `None`, or `None` and why `value` is no email address, in
    pydantic's words."""
    if len(value) > MAX_EMAIL_LENGTH:
        return None, f"Length must not exceed {MAX_EMAIL_LENGTH} characters"
    if "\r" in value or "\n" in value:
        return None, "Carriage return and line feed characters are not allowed"
    pretty = _PRETTY_EMAIL.fullmatch(value)
    if pretty:
        value = pretty.group(3)
    try:
        parts = module.validate_email(value.strip(), check_deliverability=False)
    except module.EmailNotValidError as err:
        return None, str(err.args[0])
    return parts.normalized, None
