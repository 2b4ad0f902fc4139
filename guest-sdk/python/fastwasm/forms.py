"""Reading a form body into `FormData`, as Starlette's `request.form()` does: an
`application/x-www-form-urlencoded` body is split into its fields; a `multipart/form-data` body
into its parts, a part with a `filename` becoming an `UploadFile`; any other content type reads
as an empty form (so every required field is then missing, as in FastAPI). A malformed body
answers 400 with Starlette's messages, and its limits are Starlette's defaults."""

from __future__ import annotations

import codecs
import email.message
import email.utils
import urllib.parse

from .datastructures import FormData, Headers, UploadFile
from .exceptions import HTTPException

#: Starlette's defaults for `request.form()`.
MAX_FILES = 1000
MAX_FIELDS = 1000
MAX_PART_SIZE = 1024 * 1024


def read_form(content_type: str | None, raw: bytes) -> FormData:
    """The form `raw` holds, given its `content-type`; raises `HTTPException` (400)."""
    media_type, params = _options(content_type or "")
    if media_type == "multipart/form-data":
        return _multipart(params, raw)
    if media_type == "application/x-www-form-urlencoded":
        return _urlencoded(raw)
    return FormData()


def _options(header: str) -> tuple[str, dict[str, str]]:
    """A header's value and its `; name=value` parameters (names lowercase, quotes removed)."""
    message = email.message.Message()
    message["content-type"] = header
    params = message.get_params(header="content-type") or []
    media_type = params[0][0].lower() if params else ""
    return media_type, {
        name.lower(): email.utils.collapse_rfc2231_value(value) for name, value in params[1:]
    }


def _urlencoded(raw: bytes) -> FormData:
    items = []
    for pair in raw.split(b"&"):
        if not pair:
            continue
        name, _, value = pair.partition(b"=")
        if len(value) > MAX_PART_SIZE:
            raise _bad(f"Field exceeded maximum size of {MAX_PART_SIZE // 1024}KB.")
        items.append((_unquote(name), _unquote(value)))
        if len(items) > MAX_FIELDS:
            raise _bad(f"Too many fields. Maximum number of fields is {MAX_FIELDS}.")
    return FormData(items)


def _unquote(text: bytes) -> str:
    # Starlette reads the bytes as latin-1 and unquotes them as UTF-8, replacing what is not.
    return urllib.parse.unquote_plus(text.decode("latin-1"))


def _multipart(params: dict[str, str], raw: bytes) -> FormData:
    boundary = params.get("boundary")
    if not boundary:
        raise _bad("Missing boundary in multipart.")
    charset = params.get("charset", "utf-8")
    try:
        charset = codecs.lookup(charset).name
    except LookupError:
        charset = "latin-1"
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    # The body opens with the first delimiter (no preamble, as Starlette's parser wants). A
    # part is complete when the next delimiter follows it: what follows the last one — its
    # closing `--` and an epilogue, or a part the body cut short — is not a part.
    segments = (b"\r\n" + raw).split(delimiter)
    if len(segments) < 2 or segments[0]:
        raise _bad("Invalid multipart data.")
    items: list[tuple[str, object]] = []
    files = fields = 0
    for segment in segments[1:-1]:
        head, separator, content = segment.partition(b"\r\n\r\n")
        # The delimiter's line may end in transport padding before its line break.
        head = head.lstrip(b" \t")
        if not separator or not head.startswith(b"\r\n"):
            raise _bad("Invalid multipart data.")
        headers = _part_headers(head[2:])
        _, options = _options(headers.get("content-disposition", ""))
        if "name" not in options:
            raise _bad('The Content-Disposition header field "name" must be provided.')
        name = _decoded(options["name"], charset)
        if "filename" in options:
            files += 1
            if files > MAX_FILES:
                raise _bad(f"Too many files. Maximum number of files is {MAX_FILES}.")
            filename = _decoded(options["filename"], charset)
            items.append((name, UploadFile.of(content, filename, headers)))
        else:
            fields += 1
            if fields > MAX_FIELDS:
                raise _bad(f"Too many fields. Maximum number of fields is {MAX_FIELDS}.")
            if len(content) > MAX_PART_SIZE:
                raise _bad(f"Part exceeded maximum size of {MAX_PART_SIZE // 1024}KB.")
            items.append((name, _decoded(content, charset)))
    return FormData(items)


def _part_headers(block: bytes) -> Headers:
    headers = []
    for line in block.split(b"\r\n") if block else []:
        name, colon, value = line.partition(b":")
        if not colon:
            raise _bad("Invalid multipart data.")
        headers.append((name.strip().decode("latin-1"), value.strip().decode("latin-1")))
    return Headers(headers)


def _decoded(value: str | bytes, charset: str) -> str:
    # Header parameters arrive as latin-1 text: take their bytes back, as Starlette does.
    data = value.encode("latin-1", "replace") if isinstance(value, str) else value
    try:
        return data.decode(charset)
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _bad(message: str) -> HTTPException:
    return HTTPException(status_code=400, detail=message)
