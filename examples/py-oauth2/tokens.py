"""Passwords and access tokens with the standard library alone: PBKDF2-SHA256 password hashes
and JSON Web Tokens signed with HMAC-SHA256 (`HS256`), the two things the OAuth2 password flow
needs. The same file serves `main.py` in the component and `fastapi_twin.py` on FastAPI.

The component's Python has no OpenSSL, so its `hashlib` lacks `pbkdf2_hmac`; `_pbkdf2` then
computes the same hash from `hashlib.sha256`, more slowly (a few hundred milliseconds).
"""

import base64
import hashlib
import hmac
import json
import os
import time

ITERATIONS = 100_000


class InvalidTokenError(Exception):
    """The token is malformed, badly signed or expired."""


def hash_password(password: str, salt: bytes | None = None) -> str:
    """`pbkdf2_sha256$<iterations>$<salt>$<hash>`, the salt random unless given."""
    salt = salt if salt is not None else os.urandom(16)
    digest = _pbkdf2(password.encode(), salt, ITERATIONS)
    return f"pbkdf2_sha256${ITERATIONS}${_encode(salt)}${_encode(digest)}"


def verify_password(password: str, hashed: str) -> bool:
    """Whether `password` is the one `hashed` was made from, compared in constant time."""
    try:
        scheme, iterations, salt, digest = hashed.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        again = _pbkdf2(password.encode(), _decode(salt), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(again, _decode(digest))


def encode(claims: dict, key: str, expires_in: float) -> str:
    """A signed token carrying `claims`, valid for `expires_in` seconds."""
    header = {"alg": "HS256", "typ": "JWT"}
    payload = dict(claims, exp=int(time.time() + expires_in))
    signing_input = f"{_encode_json(header)}.{_encode_json(payload)}"
    return f"{signing_input}.{_encode(_sign(signing_input, key))}"


def decode(token: str, key: str) -> dict:
    """The claims of a token this key signed and that has not expired."""
    try:
        header, payload, signature = token.split(".")
        signing_input = f"{header}.{payload}"
        if not hmac.compare_digest(_decode(signature), _sign(signing_input, key)):
            raise InvalidTokenError("Signature verification failed")
        if json.loads(_decode(header)).get("alg") != "HS256":
            raise InvalidTokenError("The algorithm is not allowed")
        claims = json.loads(_decode(payload))
    except (ValueError, TypeError, AttributeError) as err:
        raise InvalidTokenError("The token is malformed") from err
    if not isinstance(claims, dict):
        raise InvalidTokenError("The token is malformed")
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= time.time():
        raise InvalidTokenError("The token has expired")
    return claims


def _pbkdf2(password: bytes, salt: bytes, iterations: int) -> bytes:
    """PBKDF2-HMAC-SHA256 with a 32-byte result."""
    if hasattr(hashlib, "pbkdf2_hmac"):
        return hashlib.pbkdf2_hmac("sha256", password, salt, iterations)
    # HMAC by hand, its keyed inner and outer states made once and copied per round.
    key = hashlib.sha256(password).digest() if len(password) > 64 else password
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in key))
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in key))

    def prf(message: bytes) -> bytes:
        keyed_inner, keyed_outer = inner.copy(), outer.copy()
        keyed_inner.update(message)
        keyed_outer.update(keyed_inner.digest())
        return keyed_outer.digest()

    block = prf(salt + b"\0\0\0\1")
    result = int.from_bytes(block, "big")
    for _ in range(iterations - 1):
        block = prf(block)
        result ^= int.from_bytes(block, "big")
    return result.to_bytes(32, "big")


def _sign(signing_input: str, key: str) -> bytes:
    return hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()


def _encode_json(value: dict) -> str:
    return _encode(json.dumps(value, separators=(",", ":")).encode())


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
