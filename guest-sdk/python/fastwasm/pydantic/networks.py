"""pydantic's network types.

`EmailStr`: a string checked and normalised by the `email-validator` package (which pydantic
uses too, with `check_deliverability=False`: no DNS look-up), reached through the app's
`requirements.txt` — `email-validator`, or `pydantic[email]` / `fastapi[standard]`, which bring
it. A display-name form, `Ada <ada@example.com>`, is read for its address.

`AnyUrl`, `AnyHttpUrl`, `HttpUrl`: URLs parsed as pydantic-core parses them, with the Rust `url`
crate (2.5), which follows the WHATWG URL standard, and its `idna` crate (1.1), which applies
UTS 46 to international hosts — here in the standard library alone. UTS 46 is approximated
with `unicodedata` (NFKC and case folding, its four deviation characters kept, the characters
it ignores dropped); the stdlib's `encodings.idna` is IDNA 2003, which maps `ß` to `ss`, drops
ZWJ and ZWNJ and knows only Unicode 3.2, so it is not used."""

from __future__ import annotations

import dataclasses
import operator
import re
import unicodedata
import urllib.parse
from typing import Any, Callable, ClassVar

from ..exceptions import ValidationError

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


# URLs: the url crate's `Url::parse` (the URL standard's basic URL parser, without a base).

#: The schemes the URL standard treats specially, with their default ports.
_SPECIAL = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21, "file": None}

# The standard's percent-encode sets, as the printable ASCII each encodes: every set also
# encodes the C0 controls, DEL and non-ASCII characters (byte by byte of their UTF-8).
_FRAGMENT_SET = ' "<>`'
_PATH_SET = _FRAGMENT_SET + "#?{}"
_USERINFO_SET = _PATH_SET + "/:;=@[\\]^|"
_QUERY_SET = ' "#<>'
_SPECIAL_QUERY_SET = _QUERY_SET + "'"

# The url crate's `ParseError` messages, which pydantic's `url_parsing` error quotes.
_EMPTY_HOST = "empty host"
_IDNA_ERROR = "invalid international domain name"
_BAD_PORT = "invalid port number"
_BAD_IPV4 = "invalid IPv4 address"
_BAD_IPV6 = "invalid IPv6 address"
_BAD_DOMAIN_CHARACTER = "invalid domain character"
_RELATIVE = "relative URL without a base"

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+\-.]*:")
_C0_OR_SPACE = "".join(map(chr, range(0x21)))
_TAB_OR_NEWLINE = str.maketrans("", "", "\t\n\r")
#: Single and double dot path segments, as the standard spells them.
_DOTS = {".": 1, "%2e": 1, "..": 2, ".%2e": 2, "%2e.": 2, "%2e%2e": 2}
#: What an opaque host (of a scheme that is not special) must not contain.
_OPAQUE_HOST_FORBIDDEN = set("\0\t\n\r #/:<>?@[\\]^|")
#: The standard's forbidden domain code points, checked after UTS 46 mapping.
_DOMAIN_FORBIDDEN = set(_C0_OR_SPACE + "\x7f#%/:<>?@[\\]^|")
_HEX = "0123456789abcdefABCDEF"
_DIGITS = {8: "01234567", 10: "0123456789", 16: _HEX}
_SLASH = re.compile(r"[/\\]")


class _ParseError(ValueError):
    """A URL the url crate rejects; the argument is the crate's message."""


@dataclasses.dataclass
class _Parts:
    """A parsed URL, its parts percent-encoded as they are serialised."""

    scheme: str
    username: str = ""
    password: str = ""
    #: `None` without an authority; `""` for an empty one (`file:///etc`, `foo:///x`).
    host: str | None = None
    #: `None` when absent or the scheme's default.
    port: int | None = None
    #: The path's segments, or the opaque path of a URL such as `mailto:ada@example.com`.
    path: list[str] | str = dataclasses.field(default_factory=list)
    query: str | None = None
    fragment: str | None = None

    def path_text(self) -> str:
        if isinstance(self.path, str):
            return self.path
        return "".join("/" + segment for segment in self.path)

    def serialize(self) -> str:
        text = self.scheme + ":"
        if self.host is not None:
            text += "//"
            if self.username or self.password:
                text += self.username + (":" + self.password if self.password else "") + "@"
            text += self.host if self.port is None else f"{self.host}:{self.port}"
        elif not isinstance(self.path, str) and len(self.path) > 1 and self.path[0] == "":
            # `foo:/.//x`: without the `/.` the path's empty first segment would read as `//`.
            text += "/."
        text += self.path_text()
        if self.query is not None:
            text += "?" + self.query
        if self.fragment is not None:
            text += "#" + self.fragment
        return text


def _encode(text: str, also: str) -> str:
    """`text` with the C0 controls, DEL, non-ASCII characters and those of `also` as `%XX`."""
    return "".join(
        char if " " <= char < "\x7f" and char not in also
        else "".join(f"%{byte:02X}" for byte in char.encode())
        for char in text
    )


def _split(text: str, separator: str) -> tuple[str, str | None]:
    before, found, after = text.partition(separator)
    return before, after if found else None


def _parse(text: str) -> _Parts:
    """`text` as the url crate parses it; raises `_ParseError`."""
    text = text.strip(_C0_OR_SPACE).translate(_TAB_OR_NEWLINE)
    scheme = _SCHEME.match(text)
    if scheme is None:
        raise _ParseError(_RELATIVE)
    url = _Parts(scheme.group()[:-1].lower())
    special = url.scheme in _SPECIAL
    # A `#` ends every part before the fragment and a `?` every part before the query.
    rest, fragment = _split(text[scheme.end() :], "#")
    rest, query = _split(rest, "?")
    if query is not None:
        url.query = _encode(query, _SPECIAL_QUERY_SET if special else _QUERY_SET)
    if fragment is not None:
        url.fragment = _encode(fragment, _FRAGMENT_SET)
    if url.scheme == "file":
        _file(url, rest)
    elif special:
        # `http:x.com`, `http:/x.com` and `http:\\x.com` all have the authority `x.com`.
        _authority(url, rest.lstrip("/\\"), query is not None or fragment is not None)
    elif rest.startswith("//"):
        _authority(url, rest[2:], query is not None or fragment is not None)
    elif rest.startswith("/"):
        url.path = _path(rest[1:], url)
    else:
        url.path = _encode(rest, "")
    return url


def _authority(url: _Parts, text: str, more: bool) -> None:
    """The userinfo, host, port and path after `//`; `more`: a query or fragment follows."""
    special = url.scheme in _SPECIAL
    slash = (_SLASH if special else re.compile("/")).search(text)
    end = slash.start() if slash else len(text)
    authority, rest = text[:end], text[end:]
    userinfo, at, hostport = authority.rpartition("@")
    if at and not userinfo and not hostport and (rest or more):
        raise _ParseError(_EMPTY_HOST)
    username, _, password = userinfo.partition(":")
    url.username, url.password = _encode(username, _USERINFO_SET), _encode(password, _USERINFO_SET)
    host, port = _split_port(hostport)
    if not host and (special or port is not None):
        raise _ParseError(_EMPTY_HOST)
    url.host = _host(host, special) if host else ""
    if port is not None:
        url.port, leftover = _port(port, url.scheme)
        rest = leftover + rest
    if not url.host and (url.username or url.password):
        raise _ParseError(_EMPTY_HOST)
    # The path start state: one slash goes; a URL of a special scheme always has a path.
    if rest[:1] == "/" or special and rest[:1] == "\\":
        rest = rest[1:]
    elif not rest and not special:
        return
    url.path = _path(rest, url)


def _split_port(text: str) -> tuple[str, str | None]:
    """`host:port` at the first colon outside an IPv6 address's brackets."""
    inside = False
    for index, char in enumerate(text):
        if char == ":" and not inside:
            return text[:index], text[index + 1 :]
        inside = char == "[" or inside and char != "]"
    return text, None


def _port(text: str, scheme: str) -> tuple[int | None, str]:
    """The port, `None` if empty or the scheme's default, and what follows a backslash
    (which ends the port of any scheme)."""
    digits, backslash, leftover = text.partition("\\")
    if digits and not (digits.isascii() and digits.isdigit() and int(digits) <= 65535):
        raise _ParseError(_BAD_PORT)
    port = int(digits) if digits else None
    return None if port == _SPECIAL.get(scheme) else port, backslash + leftover


def _file(url: _Parts, text: str) -> None:
    """A `file:` URL's host (only after two slashes; `localhost` is none) and path."""
    url.host = ""
    if text[:1] not in ("/", "\\"):
        url.path = _path(text, url)
        return
    if text[1:2] not in ("/", "\\"):
        url.path = _path(text[1:], url)
        return
    slash = _SLASH.search(text, 2)
    end = slash.start() if slash else len(text)
    host = text[2:end]
    if _is_drive(host):
        # `file://C:/x`: a drive letter, not a host.
        url.path = _path(text[2:], url)
        return
    host = _host(host, special=True) if host else ""
    if host in ("", "localhost"):
        # Without a host the url crate keeps the slash after `//` as an empty first segment
        # (which it drops in the end), so that `file:///C|/x` keeps its `|`.
        url.path = _path(text[end:], url)
    else:
        url.host = host
        url.path = _path(text[end + 1 :], url)


def _is_drive(text: str) -> bool:
    """Whether `text` is a Windows drive letter, `C:` or `C|`."""
    return len(text) == 2 and text[0].isascii() and text[0].isalpha() and text[1] in ":|"


def _path(text: str, url: _Parts) -> list[str]:
    """The path state: `text`'s segments, percent-encoded, dot segments resolved."""
    special, file = url.scheme in _SPECIAL, url.scheme == "file"
    raw_segments = _SLASH.split(text) if special else text.split("/")
    path: list[str] = []
    for index, raw in enumerate(raw_segments):
        last = index == len(raw_segments) - 1
        segment = _encode(raw, _PATH_SET)
        dots = _DOTS.get(segment.lower())
        if dots == 2 and path and not _is_drive(path[-1]):
            # The url crate's `..` never goes above a drive letter, whatever the scheme.
            path.pop()
        if dots:
            if last:
                path.append("")
            continue
        if file and not path and _is_drive(segment):
            # `C|` is `C:`; the url crate drops a host before it: `file://h/C:/` is `file:///C:/`.
            segment, url.host = segment[0] + ":", ""
        path.append(segment)
    while file and len(path) > 1 and path[0] == "":
        # The url crate drops a file path's empty leading segments: `file:////x` is `file:///x`.
        path.pop(0)
    return path


def _host(text: str, special: bool) -> str:
    """The host as serialised: an IPv6 address in brackets, an IPv4 address, or a domain (of a
    special scheme: percent-decoded and UTS 46-mapped to ASCII; else percent-encoded)."""
    if text.startswith("["):
        if not text.endswith("]"):
            raise _ParseError(_BAD_IPV6)
        return f"[{_ipv6(text[1:-1])}]"
    if not special:
        if any(char in _OPAQUE_HOST_FORBIDDEN for char in text):
            raise _ParseError(_BAD_DOMAIN_CHARACTER)
        return _encode(text, "")
    domain = _domain_to_ascii(urllib.parse.unquote_to_bytes(text))
    if not domain:
        raise _ParseError(_EMPTY_HOST)
    return _ipv4(domain) if _ends_in_a_number(domain) else domain


def _ipv4_number(text: str) -> int | None:
    """A part of an IPv4 address, decimal, octal (`0` first) or hexadecimal (`0x`)."""
    if not text:
        return None
    base = 10
    if text[:2] in ("0x", "0X"):
        text, base = text[2:], 16
    elif len(text) > 1 and text[0] == "0":
        text, base = text[1:], 8
    if all(char in _DIGITS[base] for char in text):
        return int(text, base) if text else 0
    return None


def _ends_in_a_number(domain: str) -> bool:
    """Whether `domain` is to be read as an IPv4 address, by its last label."""
    labels = domain.split(".")
    if labels[-1] == "" and len(labels) > 1:
        labels.pop()
    return _ipv4_number(labels[-1]) is not None or labels[-1].isdigit()


def _ipv4(domain: str) -> str:
    """The IPv4 address in `domain` (`0x7f.1` is `127.0.0.1`), in dotted decimal."""
    parts = domain.split(".")
    if parts[-1] == "":
        parts.pop()
    numbers = [_ipv4_number(part) for part in parts]
    if len(numbers) > 4 or None in numbers:
        raise _ParseError(_BAD_IPV4)
    *leading, address = numbers
    if address >= 256 ** (4 - len(leading)) or any(number > 255 for number in leading):
        raise _ParseError(_BAD_IPV4)
    address += sum(number << 8 * (3 - index) for index, number in enumerate(leading))
    return ".".join(str(address >> shift & 255) for shift in (24, 16, 8, 0))


def _ipv6(text: str) -> str:
    """The URL standard's IPv6 parser, then its serialiser (RFC 5952's compressed form)."""
    pieces, index, compress, i, size = [0] * 8, 0, None, 0, len(text)
    if size < 2 or text[0] == ":" and text[1] != ":":
        raise _ParseError(_BAD_IPV6)
    if text[0] == ":":
        i, index, compress = 2, 1, 1
    while i < size:
        if index == 8:
            raise _ParseError(_BAD_IPV6)
        if text[i] == ":":
            if compress is not None:
                raise _ParseError(_BAD_IPV6)
            i, index, compress = i + 1, index + 1, index + 1
            continue
        start = i
        while i < size and i - start < 4 and text[i] in _HEX:
            i += 1
        if i < size and text[i] == ".":
            # An IPv4 address in the last 32 bits: `::ffff:1.2.3.4`.
            if i == start or index > 6:
                raise _ParseError(_BAD_IPV6)
            index = _embedded_ipv4(text[start:], pieces, index)
            break
        pieces[index] = int(text[start:i] or "0", 16)
        index += 1
        if i < size:
            if text[i] != ":" or i + 1 == size:
                raise _ParseError(_BAD_IPV6)
            i += 1
    if compress is not None:
        moved = pieces[compress:index]
        pieces[compress:index] = [0] * len(moved)
        pieces[8 - len(moved) :] = moved
    elif index != 8:
        raise _ParseError(_BAD_IPV6)
    return _ipv6_text(pieces)


def _embedded_ipv4(text: str, pieces: list[int], index: int) -> int:
    """Reads `1.2.3.4` (no leading zeros) into two pieces; returns the next piece's index."""
    numbers = text.split(".")
    if len(numbers) != 4 or not all(
        number.isascii() and number.isdigit() and (number == "0" or number[0] != "0")
        and int(number) < 256
        for number in numbers
    ):
        raise _ParseError(_BAD_IPV6)
    a, b, c, d = map(int, numbers)
    pieces[index : index + 2] = [a << 8 | b, c << 8 | d]
    return index + 2


def _ipv6_text(pieces: list[int]) -> str:
    """The pieces in hexadecimal, the first longest run of two or more zeros as `::`."""
    best, best_size, start = -1, 1, None
    for index, piece in enumerate([*pieces, 1]):
        if piece == 0:
            start = index if start is None else start
        elif start is not None:
            if index - start > best_size:
                best, best_size = start, index - start
            start = None
    if best < 0:
        return ":".join(f"{piece:x}" for piece in pieces)
    head = ":".join(f"{piece:x}" for piece in pieces[:best])
    tail = ":".join(f"{piece:x}" for piece in pieces[best + best_size :])
    return f"{head}::{tail}"


# UTS 46 as the idna crate applies it for the url crate: non-transitional (the deviation
# characters stay), hyphens and DNS lengths unchecked, the Bidi and ContextJ rules checked.
_DEVIATIONS = "ßς\u200c\u200d"
_IGNORED = set(
    "\u00ad\u034f\u180b\u180c\u180d\u180f\u200b\u2060\u2064\ufeff\U0001bca0\U0001bca1"
    "\U0001bca2\U0001bca3"
) | {chr(c) for c in (*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0))}
_FULL_STOPS = "\u3002\uff0e\uff61"
#: General categories UTS 46 disallows (unassigned, private use, controls, formats, spaces).
_DISALLOWED = {"Cc", "Cf", "Cn", "Co", "Cs", "Zs", "Zl", "Zp"}
#: The other characters its table disallows, which case folding and NFKC would keep. With them
#: every character of Unicode 14 (Python 3.11's) maps as the idna crate maps it.
_ALSO_DISALLOWED = set(
    "\u04c0\u115f\u1160\u17b4\u17b5\u1806\u2132\u2183\u3164\ufe12\uffa0\ufffc\ufffd"
) | {chr(c) for c in (*range(0x10A0, 0x10C6), *range(0x2FF0, 0x2FFC))}
# RFC 5893's Bidi rule: the classes allowed inside a left-to-right or right-to-left label.
_LTR_MIDDLE = {"L", "EN", "ES", "CS", "ET", "ON", "BN", "NSM"}
_RTL_MIDDLE = _LTR_MIDDLE - {"L"} | {"R", "AL", "AN"}


def _map_char(char: str) -> str:
    """UTS 46's mapping of one character: case-folded and NFKC-normalised, or ignored."""
    if char.isascii():
        return char.lower()
    if char in _DEVIATIONS:
        return char
    if char == "ẞ":
        return "ß"
    if char in _IGNORED:
        return ""
    if char in _FULL_STOPS:
        return "."
    if unicodedata.category(char) in _DISALLOWED or char in _ALSO_DISALLOWED:
        raise _ParseError(_IDNA_ERROR)
    mapped = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", char).casefold())
    if "." in mapped:
        # UTS 46 disallows what folds to a full stop: `⒈`, `․`.
        raise _ParseError(_IDNA_ERROR)
    return mapped


def _map(domain: str) -> str:
    return unicodedata.normalize("NFC", "".join(map(_map_char, domain)))


def _decode_label(label: str) -> str:
    """An `xn--` label's Punycode, which must decode to a label that UTS 46 keeps as it is."""
    code = label[4:]
    # The idna crate refuses a label ending in `-` (nothing to decode) or with its only `-`
    # first, and more than 2000 characters.
    if not code.isascii() or label.endswith("-") or code.rfind("-") == 0 or len(code) > 2000:
        raise _ParseError(_IDNA_ERROR)
    try:
        decoded = code.encode().decode("punycode")
    except UnicodeError:
        raise _ParseError(_IDNA_ERROR) from None
    if _map(decoded) != decoded or "." in decoded or _DOMAIN_FORBIDDEN.intersection(decoded):
        raise _ParseError(_IDNA_ERROR)
    return decoded


def _label_is_valid(label: str) -> bool:
    """No combining mark first, a joiner only after a virama, at most 1000 characters.
    (UTS 46 also allows a ZWNJ between joining letters: `unicodedata` has no joining types.)"""
    if label and unicodedata.category(label[0]).startswith("M"):
        return False
    if not label.isascii() and len(label) > 1000:
        return False
    return all(
        char not in "\u200c\u200d" or index and unicodedata.combining(label[index - 1]) == 9
        for index, char in enumerate(label)
    )


def _passes_bidi(label: str) -> bool:
    """RFC 5893's rule for a label of a domain that has right-to-left characters."""
    classes = [unicodedata.bidirectional(char) for char in label]
    if not classes:
        return True
    first, *rest = classes
    if first not in ("L", "R", "AL"):
        return False
    while rest and rest[-1] == "NSM":
        rest.pop()
    if not rest:
        return True
    *middle, last = rest
    if first == "L":
        return last in ("L", "EN") and _LTR_MIDDLE.issuperset(middle)
    return (
        last in ("R", "AL", "EN", "AN")
        and _RTL_MIDDLE.issuperset(middle)
        and not {"EN", "AN"}.issubset(rest)
    )


def _domain_to_ascii(data: bytes) -> str:
    """The percent-decoded host as UTS 46's ToASCII gives it: mapped, its labels checked, the
    non-ASCII ones in Punycode."""
    try:
        labels = _map(data.decode()).split(".")
    except UnicodeDecodeError:
        raise _ParseError(_IDNA_ERROR) from None
    texts = [_decode_label(label) if label.startswith("xn--") else label for label in labels]
    rtl = any(unicodedata.bidirectional(char) in ("R", "AL", "AN") for char in "".join(texts))
    if (
        any(_DOMAIN_FORBIDDEN.intersection(label) for label in labels)
        or not all(map(_label_is_valid, texts))
        or rtl and not all(map(_passes_bidi, texts))
    ):
        raise _ParseError(_IDNA_ERROR)
    return ".".join(
        label if label.isascii() else "xn--" + label.encode("punycode").decode() for label in labels
    )


def _unicode_host(host: str) -> str:
    """`host` with its Punycode labels decoded, as pydantic's `unicode_host()`."""
    return ".".join(
        label[4:].encode().decode("punycode") if label.startswith("xn--") else label
        for label in host.split(".")
    )


class AnyUrl:
    """pydantic's `AnyUrl`: a URL of any scheme, its host and path optional. `str()` gives it
    normalised (`HTTP://Example.com` is `http://example.com/`); it equals a URL of the same
    type and text, and hashes so. Construct one from a string, or annotate a field with it."""

    #: The longest URL read, counted in bytes of UTF-8 as pydantic-core does.
    _max_length: ClassVar[int | None] = None
    #: The schemes allowed, when not all.
    _allowed_schemes: ClassVar[tuple[str, ...] | None] = None

    _parts: _Parts
    _text: str

    def __init__(self, url: str | AnyUrl) -> None:
        errors: list[dict[str, Any]] = []
        valid = UrlValidator(type(self))(url, (), errors)
        if errors:
            # pydantic titles the error after the type's wrap validator.
            raise ValidationError(UrlValidator.label, errors)
        self._parts, self._text = valid._parts, valid._text

    @classmethod
    def _of(cls, parts: _Parts) -> AnyUrl:
        url = cls.__new__(cls)
        url._parts, url._text = parts, parts.serialize()
        return url

    @property
    def scheme(self) -> str:
        return self._parts.scheme

    @property
    def username(self) -> str | None:
        return self._parts.username or None

    @property
    def password(self) -> str | None:
        return self._parts.password or None

    @property
    def host(self) -> str | None:
        """The host, punycode-encoded (`xn--bcher-kva.de`), an IPv6 address in brackets."""
        return self._parts.host or None

    def unicode_host(self) -> str | None:
        """The host with its punycode decoded (`bücher.de`)."""
        host = self.host
        if host is None or self.scheme not in _SPECIAL or "xn--" not in host:
            return host
        return _unicode_host(host)

    @property
    def port(self) -> int | None:
        """The port, or the scheme's default one (`443` for `https`)."""
        return self._parts.port if self._parts.port is not None else _SPECIAL.get(self.scheme)

    @property
    def path(self) -> str | None:
        return self._parts.path_text() or None

    @property
    def query(self) -> str | None:
        return self._parts.query

    def query_params(self) -> list[tuple[str, str]]:
        """The query's `application/x-www-form-urlencoded` pairs, decoded."""
        return urllib.parse.parse_qsl(self._parts.query or "", keep_blank_values=True)

    @property
    def fragment(self) -> str | None:
        return self._parts.fragment

    def unicode_string(self) -> str:
        """The URL with its host's punycode decoded."""
        host, unicode_host = self.host, self.unicode_host()
        if host is None or unicode_host == host:
            return self._text
        # As pydantic-core does, the host is taken to start right after `scheme://`, even
        # when a username comes first there (`http://ü@xn--bcher-kva.de/` is mangled).
        start = len(self.scheme) + 3
        return f"{self._text[:start]}{unicode_host}{self._text[start + len(host) :]}"

    def encoded_string(self) -> str:
        return self._text

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._text!r})"

    def __len__(self) -> int:
        return len(self._text)

    def __hash__(self) -> int:
        return hash(self._text)

    def _compare(self, other: object, compare: Callable[[str, str], bool]) -> bool:
        # As pydantic's, URLs compare by their text, with URLs of the same type only:
        # `HttpUrl(x) != AnyUrl(x)`, `HttpUrl(x) != x`.
        if type(other) is not type(self):
            return NotImplemented
        return compare(self._text, other._text)  # type: ignore[attr-defined]

    def __eq__(self, other: object) -> bool:
        return self._compare(other, operator.eq)

    def __lt__(self, other: object) -> bool:
        return self._compare(other, operator.lt)

    def __le__(self, other: object) -> bool:
        return self._compare(other, operator.le)

    def __gt__(self, other: object) -> bool:
        return self._compare(other, operator.gt)

    def __ge__(self, other: object) -> bool:
        return self._compare(other, operator.ge)


class AnyHttpUrl(AnyUrl):
    """pydantic's `AnyHttpUrl`: an `http` or `https` URL."""

    _allowed_schemes = ("http", "https")


class HttpUrl(AnyUrl):
    """pydantic's `HttpUrl`: an `http` or `https` URL of at most 2083 bytes."""

    _max_length = 2083
    _allowed_schemes = ("http", "https")


#: pydantic's error for a value: its type, message and context.
Problem = tuple[str, str, "dict[str, Any] | None"]


def url_problem(cls: type[AnyUrl], value: Any) -> tuple[AnyUrl | None, Problem | None]:
    """`value` as a URL of type `cls` and `None`, or `None` and pydantic's error for it."""
    if isinstance(value, cls):
        return value, None
    if isinstance(value, AnyUrl):
        # Another URL type's URL is read again from its text, as pydantic does.
        value = str(value)
    if isinstance(value, (bytes, bytearray)):
        try:
            value = bytes(value).decode()
        except UnicodeDecodeError:
            value = None
    if not isinstance(value, str):
        return None, ("url_type", "URL input should be a string or URL", None)
    try:
        size = len(value.encode())
    except UnicodeEncodeError:
        # A lone surrogate, which no Rust string holds.
        reason = "Input should be a valid string, unable to parse raw data as a unicode string"
        return None, ("string_unicode", reason, None)
    if cls._max_length is not None and size > cls._max_length:
        return None, (
            "url_too_long",
            f"URL should have at most {cls._max_length} characters",
            {"max_length": cls._max_length},
        )
    try:
        if not value:
            raise _ParseError("input is empty")
        parts = _parse(value)
    except _ParseError as err:
        return None, ("url_parsing", f"Input should be a valid URL, {err}", {"error": str(err)})
    if cls._allowed_schemes is not None and parts.scheme not in cls._allowed_schemes:
        expected = " or ".join(f"'{scheme}'" for scheme in sorted(cls._allowed_schemes))
        return None, (
            "url_scheme",
            f"URL scheme should be {expected}",
            {"expected_schemes": expected},
        )
    return cls._of(parts), None


class UrlValidator:
    """A field or body of a URL type, validated as pydantic does. A `validation.Validator` in
    all but its base class: `validation` imports this module, so cannot be imported here."""

    #: How pydantic names the type in a union's error locations: its wrap validator.
    label = "function-wrap[wrap_val()]"

    def __init__(self, cls: type[AnyUrl]) -> None:
        self.cls = cls

    def __call__(self, value: Any, loc: tuple[Any, ...], errors: list[dict[str, Any]]) -> Any:
        url, problem = url_problem(self.cls, value)
        if problem is None:
            return url
        from .validation import add_error  # (here: `validation` imports this module)

        if isinstance(value, AnyUrl):
            value = str(value)
        return add_error(errors, problem[0], loc, problem[1], value, problem[2])

    def exact(self, value: Any) -> bool:
        return isinstance(value, self.cls)

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        # In the order FastAPI's document has them.
        schema: dict[str, Any] = {"type": "string"}
        if self.cls._max_length is not None:
            schema["maxLength"] = self.cls._max_length
        return {**schema, "minLength": 1, "format": "uri"}
