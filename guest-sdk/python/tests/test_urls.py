"""`HttpUrl`, `AnyUrl` and `AnyHttpUrl` against pydantic itself (importable in the FastAPI venv
these tests run in): for each input, the same URL (its text, repr and parts) or the same errors;
the same dumps, JSON Schemas, equality; a model validated from a dict as FastAPI validates a
body."""

from __future__ import annotations

import copy
import json
import warnings
from typing import Any, Optional, Union

import fastapi.encoders
import pydantic
import pytest

import fastwasm
from fastwasm.pydantic.validation import compile_type, json_schema, validate

from support import serve

TYPES = [
    (fastwasm.HttpUrl, pydantic.HttpUrl),
    (fastwasm.AnyUrl, pydantic.AnyUrl),
    (fastwasm.AnyHttpUrl, pydantic.AnyHttpUrl),
]

VALID = [
    "http://example.com", "https://example.com/", "http://example.com/a/b?c=d#e",
    "https://user:pass@www.example.com:8443/p/a/t/h?query=here&b=2#frag=is;this=bit",
    "http://127.0.0.1:8000/", "http://[::1]:8080/", "http://localhost", "http://exam_ple.com",
    "http://a..b/", "http://.", "http://..", "http://-a-.com", "http://ab--cd.com",
    "ws://x.com/", "wss://x.com:444/", "ftp://u:p@x.com/", "foo:bar", "mailto:a@b.c",
    "urn:isbn:123", "data:text/plain,hi", "file:///etc/passwd", "a+b-c.d:x",
    "web+demo:/.//not-a-host/",
]
NORMALISING = [
    # Scheme and host lower-cased, default ports dropped, an empty path `/`, slashes forgiven.
    "HTTP://EXAMPLE.COM", "HtTpS://ExAmPlE.CoM/PaTh", "http://EXAMPLE.COM./", "http://x.com:80",
    "https://x.com:443", "ws://x.com:80/", "wss://x.com:443/", "ws://x.com:443/",
    "ftp://x.com:21/", "http://x.com:/", "http://x.com:00000000000080", "http://x.com:08080",
    "http:/x.com", "http:x.com", "http:////x.com", "http:\\\\x.com\\a\\b", " http://x.com ",
    "\x00http://x.com\x1f", "http://x.com/\t\na", "http://ex%41mple.com", "http://@x.com",
    "http://:@x.com", "http://user:@x.com", "http://:pass@x.com", "http://u:p:q@x.com",
    "http://a@b@c", "http://a b@c", "http://ü:ä@c", "http://u;=[]^|:p@x", "http://@@x",
    "http://u s:p@ss@x.com/",
    # Dot segments.
    "HTTP://EXAMPLE.COM:80/a/../b/./c?q=a b#f g", "http://x.com/%2e", "http://x.com/%2e/",
    "http://x.com/a/%2E%2e/b", "http://x.com/a/.%2e", "http://x.com/a/..", "http://x.com/a/../",
    "http://x.com/..", "http://x.com/./", "http://x.com/a//b", "http://x.com//",
    "http://x.com/C:/..", "http://x.com/a/C|/../b", "http://x.com/C:x/..", "foo:/C:/..",
    "foo://h/c|/../..",
    # Percent-encoding, per part.
    "http://x.com/a?b=c d&e#\"f\"", "http://x.com/{}|^`", "http://x.com/ü?ü#ü",
    "http://x.com/?'\"<>`{}", "http://x.com/#'\"<>`{}%", "http://x.com/?a#b#c?d", "http://x.com?#",
    "http://x.com/?", "http://x.com/#", "http://x.com/\x00\x7f",
    "http://x.com/a\x01b?c\x01d#e\x01f",
    "http://x.com/\u00a0", "http://x.com/\U0001f600", "http://x.com/%", "http://x.com/%zz%2",
    "http://x.com/a%2fb", "http://é.com/%zz", "foo:a b?c d#e f", "foo:a\x01b", "foo:/a b/c%zz",
    "foo://Host/A%20 b", "foo://a%C3%85/", "foo://ÅB/", "foo://a\x7fb", "foo://h/a\\b",
    "foo:/a\\b/..",
    # Schemes that are not special: authority, paths and `/.`.
    "foo:", "foo:/", "foo://", "foo:///", "foo:////x", "foo://h", "foo://h/", "foo://h?x",
    "foo://h#x", "foo://@h", "foo://:@/x", "foo://h:80", "foo://h:80\\x", "foo:/..//x",
    "foo:/.//x", "foo://h/..//x", "foo:/a/../..", "foo://[::1]", "foo://xn--zca/", "foo://Ü/",
    # file: URLs, their hosts and drive letters.
    "file:", "file:x", "file:/x", "file://", "file:///", "file:////x", "file://localhost/x",
    "file://LOCALHOST/x", "file://%6cocalhost/x", "file://host/x", "file://host/C:/x",
    "file://C:/x", "file:///C:/x", "file:///C|/x", "file:C|/x", "file:/C|/x", "file://C|/x",
    "file:////C|/x", "file://host/C|/x", "file://localhost/C|/x", "file:\\\\C|\\x", "file:C|",
    "file:///C|", "file:///C:x", "file:C:x", "file://host/C:x", "file:///C:/../..",
    "file:///C:/x/..", "file:///C|/..", "file:///x/C:/../..", "file://h/C|/../y",
    "file://host/x/../C:/y", "file:///../C:/y", "file:\\\\host\\x\\y", "file:///a b?q r#f g",
    "file://[::1]/x", "file://1.2.3/x", "file://xn--zca/x", "file://ß/x", "FILE:///X",
    "file:///a/./b/../c", "file:..", "file:///%2e%2E/x",
    # IPv4 in the number forms of the URL standard, IPv6 compressed.
    "http://0x7f.1/", "http://1.2.3/", "http://1.2.3.4.", "http://1.2.3.4..", "http://0x.0",
    "http://0xffffffff", "http://0xffffffff.", "http://1.0x", "http://1.a", "http://0x1g",
    "http://0", "http://00", "http://0X10", "http://x.0xg", "http://1e1", "http://%31.%32.%33.%34",
    "http://１.1", "http://[::ffff:1.2.3.4]", "http://[0:0:0:0:0:0:0:1]",
    "http://[1:0:0:2:0:0:0:3]", "http://[1:0:2:3:4:5:6:7]", "http://[1:2:3:4:5:6:7::]",
    "http://[FFFF::]", "http://[::]", "http://[::1]:80", "http://[::1.2.3.4]",
    "http://[::ffff:0.0.0.0]", "http://[1:2:3:4:5:6:1.2.3.4]", "http://[1::]",
    "http://[0:0:1:0:0:0:1:0]", "http://[1:0:0:1:0:0:1:1]", "http://[::ABCD]", "http://[0::0]",
    "http://[::1:2:3:4:5:6:7]", "http://[::1]:/",
    # International hosts: UTS 46 mapped, then punycode.
    "http://puny£code.com", "https://www.аррӏе.com/", "https://www.example.珠宝/",
    "http://BÜcher.de", "http://ß.com", "http://faß.de", "http://ẞ.de", "http://ς.com",
    "http://Σ.com", "http://ΣΣ", "http://İ.com", "http://\u212a.com", "http://ｅｘａｍｐｌｅ.com",
    "http://a。b.com", "http://a．b", "http://a｡b", "http://a\u00adb.com", "http://a\u200bb.com",
    "http://a\ufe0fb", "http://a\u034fb", "http://\u2163.com", "http://\ufb01\ufb02",
    "http://\u00bd.com", "http://\u2474.com", "http://\u3371", "http://\u00b5.com",
    "http://\u017f.com", "http://\uab70.com", "http://e\u0301", "http://\u1100\u1161",
    "http://\u212b", "http://😀.com", "http://xn--e28h.com", "http://XN--E28H.com",
    "http://xn--ZCA.com", "http://xn--Bcher-kva.de", "http://xn--80ak6aa92e.com",
    "http://a_b.xn--p1ai", "http://пример.рф", "http://user@пример.рф/", "http://例え.テスト",
    "http://%e2%82%ac.com", "http://%C3%9C", "http://א.com", "http://\u05d0\u05d1.com",
    "http://xn--4db.a", "http://\u05d0\u0301", "http://\u0627\u0661", "http://क्\u200dष",
    "http://क्\u200cष", "http://a!$&'()*+,;=b.com", "http://a{b}.com", "http://a~b.com",
]
ERRORS = [
    "", "x", "   ", "1http://x", "+http://x", "h_t://x", "/path", "//example.com", "?q", "#f",
    # Hosts: empty, and the url crate's other host errors.
    "http://", "http:///x", "http://@/x", "http://:80/", "http://u@", "foo://u@/x", "foo://:80",
    "foo://@?x", "http://%00", "http://%20", "http://%25", "http://%ff.com", "http://a%zzb",
    "http://a%2fb", "http://a%00b", "http://a b.com", "http://a[b", "http://a]b",
    "http://a\\b.com", "http://a\"b.com", "http://a`b.com", "http://xn--", "http://xn--/",
    "http://xn--abc-.com", "http://xn--a.com", "http://xn----", "http://xn---abc",
    "http://xn--ab-", "http://xn--zz", "http://xn--tda", "http://xn--XYZ", "http://\u00ad",
    "http://\u00ad.com", "foo://a b", "foo://a<b", "foo://h\\x/y",
    # Ports, and their bounds.
    "http://x:99999", "http://x.com:65536", "http://x.com:8a", "http://x.com: 80",
    "http://x.com:٣", "http://[::1]:x", "foo://h:x", "http://x.com:65535", "http://x.com:0",
    # IPv4 and IPv6.
    "http://1.2.3.4.5/", "http://256.1.1.1/", "http://09.1/", "http://4294967296",
    "http://999999999999", "http://a.1", "http://foo.09", "http://0x100000000", "http://1.256",
    "http://1.16777216", "http://1.1.65536", "http://1.1.1.256", "http://08", "http://1.2.3.4x",
    "http://x.0x1", "http://example.123", "http://[::1", "http://[zz]/", "http://[::1%eth0]",
    "http://[1::2::3]", "http://[::1.02.3.4]", "http://[:]", "http://[]", "http://[::1]x",
    "http://[v1.x]/", "http://[1:2:3:4:5:6:7:1.2.3.4]", "http://[::1.2.3]",
    "http://[::1.2.3.4.5]", "http://[::256.1.1.1]", "http://[12345::]", "http://[1:]",
    "http://[:1]", "http://[1:2:3:4:5:6:7:8:9]", "http://[::1:2:3:4:5:6:7:8]", "http://[]]",
    "http://[[::1]]", "foo://[zz]", "http://٣٣", "http://١.١.١.١",
    # What UTS 46 disallows, and its Bidi, ContextJ and combining-mark rules.
    "http://a／b", "http://a․b", "http://⒈.com", "http://\u3000.com", "http://a\u00a0b.com",
    "http://\ue000.com", "http://\U000e0001.com", "http://\u0378.com", "http://\u2028.com",
    "http://\u200e.com", "http://\u1680.com", "http://\ufffd.com", "http://\u2ff0.com",
    "http://\u3164.com", "http://\u04c0.com", "http://\u10a0.com", "http://\ufe12.com",
    "http://a\u200db.com", "http://a\u200cb.com", "http://ab\u200d", "http://\u0301a.com",
    "http://\u0663.com", "http://a\u0663.com", "http://\u05d0a.com", "http://\u05d0.1a",
    "http://1\u05d0.com", "http://\u05d0-.com", "http://\u05d0\u0660\u05d1",
    "http://\u05d01\u0660", "http://a\u0660",
    # HttpUrl's and AnyHttpUrl's schemes, HttpUrl's length in bytes of UTF-8.
    "ftp://x.com", "file:///x", "ws://x.com", "HTTPX://x.com",
    "http://a.com/" + "a" * 2070, "http://a.com/" + "a" * 2071, "http://a.com/" + "é" * 1035,
    "http://a.com/" + "é" * 1036, "http://a.com/" + "b" * 5000,
    # A lone surrogate: no string for pydantic-core.
    "http://x.com/\ud800",
]


class Text(str):
    pass


NOT_STRINGS: list[Any] = [
    None, 1, 1.5, True, [], ["http://x.com"], {}, {"url": "http://x.com"},
    b"http://x.com", b"HTTP://X.COM/a b", bytearray(b"http://x.com/"), b"\xff", b"",
    Text("http://Text.com"),
]

INPUTS = [*VALID, *NORMALISING, *ERRORS, *NOT_STRINGS]


def described(url: Any) -> Any:
    """All that must agree of a URL."""
    return (
        type(url).__name__, str(url), repr(url), url.scheme, url.username, url.password,
        url.host, url.unicode_host(), url.port, url.path, url.query, url.fragment,
        url.query_params(), url.unicode_string(), url.encoded_string(), len(url),
    )


def with_pydantic(annotation: Any, value: Any) -> Any:
    try:
        result = pydantic.TypeAdapter(annotation).validate_python(value)
    except pydantic.ValidationError as err:
        return "errors", [{**error, "loc": list(error["loc"])} for error in err.errors(
            include_url=False
        )]
    return "url", described(result)


def with_sdk(annotation: Any, value: Any) -> Any:
    result, errors = validate(compile_type(annotation), value)
    return ("errors", errors) if errors else ("url", described(result))


@pytest.mark.parametrize("ours, theirs", TYPES, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("value", INPUTS, ids=lambda value: repr(value)[:60])
def test_inputs_are_read_as_pydantic_reads_them(ours: Any, theirs: Any, value: Any):
    assert with_sdk(ours, value) == with_pydantic(theirs, value)


@pytest.mark.parametrize("ours, theirs", TYPES, ids=lambda cls: cls.__name__)
def test_the_constructor_validates_and_raises_pydantics_error(ours: Any, theirs: Any):
    assert described(ours("HTTP://Example.COM:80/a b")) == described(
        theirs("HTTP://Example.COM:80/a b")
    )
    with pytest.raises(fastwasm.ValidationError) as raised:
        ours("ftp:x" if ours is not fastwasm.AnyUrl else "x")
    with pytest.raises(pydantic.ValidationError) as expected:
        theirs("ftp:x" if theirs is not pydantic.AnyUrl else "x")
    assert raised.value.title == expected.value.title
    assert raised.value.errors() == [
        {**error, "loc": []} for error in expected.value.errors(include_url=False)
    ]


def test_a_url_of_another_type_is_read_again_from_its_text():
    for value, expected in (("http://Y.com", "http://y.com/"), ("ftp://y.com", None)):
        ours = validate(compile_type(fastwasm.HttpUrl), fastwasm.AnyUrl(value))
        theirs = with_pydantic(pydantic.HttpUrl, pydantic.AnyUrl(value))
        assert (ours[1] or described(ours[0])) == theirs[1]
    url = fastwasm.HttpUrl("http://x.com")
    assert validate(compile_type(fastwasm.AnyUrl), url)[0] is url


def test_urls_equal_and_hash_as_pydantics():
    ours, theirs = fastwasm.HttpUrl, pydantic.HttpUrl
    for make, other in ((ours, fastwasm.AnyUrl), (theirs, pydantic.AnyUrl)):
        url = make("http://x.com")
        assert url == make("HTTP://X.com:80/") and hash(url) == hash(make("http://x.com/"))
        assert url != other("http://x.com") and url != "http://x.com/"
        assert make("http://a.com") < url <= make("http://x.com") < make("http://y.com")
        assert sorted([make("http://b.com"), make("http://a.com")])[0] == make("http://a.com")
        assert copy.deepcopy(url) == url and {url: 1}[make("http://x.com/")] == 1


class Ours:
    class Image(fastwasm.BaseModel):
        url: fastwasm.HttpUrl
        name: str

    class Links(fastwasm.BaseModel):
        home: fastwasm.AnyUrl
        api: fastwasm.AnyHttpUrl
        images: list[fastwasm.HttpUrl] = []
        mirror: Optional[fastwasm.HttpUrl] = None
        either: Union[fastwasm.HttpUrl, int] = 0


class Theirs:
    class Image(pydantic.BaseModel):
        url: pydantic.HttpUrl
        name: str

    class Links(pydantic.BaseModel):
        home: pydantic.AnyUrl
        api: pydantic.AnyHttpUrl
        images: list[pydantic.HttpUrl] = []
        mirror: Optional[pydantic.HttpUrl] = None
        either: Union[pydantic.HttpUrl, int] = 0


BODIES = [
    {"url": "HTTP://Example.com:80/a b?x=1#y", "name": "pic"},
    {"url": "https://例え.テスト/画像.png", "name": "pic"},
    {"url": "example.com/pic.png", "name": "pic"},
    {"url": "ftp://example.com/pic.png", "name": "pic"},
    {"url": "http://", "name": 1},
    {"url": 7},
]


@pytest.mark.parametrize("body", BODIES, ids=lambda body: repr(body)[:60])
def test_a_model_reads_a_body_as_fastapi_does(body: dict[str, Any]):
    try:
        expected = Theirs.Image.model_validate(body)
    except pydantic.ValidationError as err:
        with pytest.raises(fastwasm.ValidationError) as raised:
            Ours.Image.model_validate(body)
        assert raised.value.errors() == [
            {**error, "loc": list(error["loc"])} for error in err.errors(include_url=False)
        ]
        return
    image = Ours.Image.model_validate(body)
    assert repr(image) == repr(expected) and str(image) == str(expected)
    assert described(image.url) == described(expected.url)
    assert image.model_dump(mode="json") == expected.model_dump(mode="json")
    assert image.model_dump_json() == expected.model_dump_json()
    assert described(image.model_dump()["url"]) == described(expected.model_dump()["url"])
    assert fastwasm.jsonable_encoder(image) == fastapi.encoders.jsonable_encoder(expected)
    plain = {"url": image.url, "urls": [image.url]}
    assert fastwasm.jsonable_encoder(plain) == fastapi.encoders.jsonable_encoder(
        {"url": expected.url, "urls": [expected.url]}
    )


def test_a_model_of_each_type_dumps_and_fails_as_pydantics():
    data = {
        "home": "foo://Host/x", "api": "HTTPS://api.example.com:443", "mirror": "http://m.com",
        "images": ["http://a.com/1.png", "http://b.com/2.png"], "either": "http://e.com",
    }
    ours, theirs = Ours.Links.model_validate(data), Theirs.Links.model_validate(data)
    assert repr(ours) == repr(theirs)
    assert json.loads(ours.model_dump_json()) == json.loads(theirs.model_dump_json())
    bad = {"home": "x", "api": "ftp://a", "images": ["http://", 1], "mirror": 5, "either": "y"}
    with pytest.raises(fastwasm.ValidationError) as raised:
        Ours.Links.model_validate(bad)
    with pytest.raises(pydantic.ValidationError) as expected:
        Theirs.Links.model_validate(bad)
    assert raised.value.errors() == [
        {**error, "loc": list(error["loc"])} for error in expected.value.errors(include_url=False)
    ]


@pytest.mark.parametrize("ours, theirs", TYPES, ids=lambda cls: cls.__name__)
def test_json_schemas_are_pydantics(ours: Any, theirs: Any):
    assert json_schema(compile_type(ours)) == pydantic.TypeAdapter(theirs).json_schema()
    assert json_schema(compile_type(Optional[ours])) == pydantic.TypeAdapter(
        Optional[theirs]
    ).json_schema()


def test_model_schemas_are_pydantics():
    assert Ours.Image.model_json_schema() == Theirs.Image.model_json_schema()
    assert Ours.Links.model_json_schema() == Theirs.Links.model_json_schema()



ours_app, theirs_app = fastwasm.FastAPI(), fastapi.FastAPI()


@ours_app.post("/images/")
def create_ours(image: Ours.Image):
    return {"image": image, "url": image.url, "host": image.url.host}


@theirs_app.post("/images/")
def create_theirs(image: Theirs.Image):
    return {"image": image, "url": image.url, "host": image.url.host}


@pytest.mark.parametrize("body", BODIES, ids=lambda body: repr(body)[:60])
def test_an_operation_answers_as_fastapis(body: dict[str, Any]):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's, about its httpx
        from fastapi.testclient import TestClient

    expected = TestClient(theirs_app).post("/images/", json=body)
    answer = serve(ours_app, "POST", "/images/", body=json.dumps(body).encode())
    if expected.status_code == 422:
        errors = [{**error, "loc": list(error["loc"])} for error in answer.errors()]
        assert errors == expected.json()["detail"]
    else:
        assert (answer.status_code, json.loads(answer.body)) == (200, expected.json())
