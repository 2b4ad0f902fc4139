"""Dates, times, datetimes, durations, decimals and UUIDs, against pydantic itself (importable
in the FastAPI venv these tests run in): for each input, the same value or the same errors;
the same `model_dump(mode="json")`; the same JSON Schemas."""

from __future__ import annotations

import math
import typing
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Annotated, Any, Optional, Union
from uuid import UUID

import pydantic
import pydantic_core
import pytest

import fastwasm
from fastwasm.pydantic.validation import UnsupportedType, compile_type, json_schema, validate

LOC = ("body", "when")


def mutations(text: str) -> list[str]:
    """`text`, each prefix of it, and it with each character replaced by an `x` (or by a `9`
    where it is a digit): every error speedate has on the way through it."""
    cases = [text[:end] for end in range(len(text) + 1)]
    for index, character in enumerate(text):
        for other in "x9" if character.isdigit() else "x":
            cases.append(text[:index] + other + text[index + 1 :])
    return list(dict.fromkeys(cases))


TZ = timezone(timedelta(hours=5, minutes=30))
NUMBERS: list[Any] = [
    0, 1, -1, 86_399, 86_400, 1_600_000_000, -1_600_000_000, 20_000_000_000, 20_000_000_001,
    -20_000_000_000, -20_000_000_001, 1_600_000_000_123, -1_600_000_000_123, 253_402_300_799,
    253_402_300_800, 253_402_300_799_999, -62_167_219_200, -62_167_219_201, -62_167_219_200_000,
    2**32, 2**63 - 1, -(2**63), 2**63, -(2**64), 2**70, 10**400, 86_400 * 999_999_999,
    86_400 * 1_000_000_000, 0.0, -0.0, 1.5, -1.25, -0.5, 0.9999999, 1e-7, 86_399.9999999,
    1e10 + 0.5, 2e10 + 0.5, -2e10 - 0.25, 1.6e12 + 0.5, -1.6e12 - 0.5, 1e15 + 0.5, 1e300, -1e300,
    float("inf"), float("-inf"), float("nan"), True, False,
]
OTHERS: list[Any] = [
    None, [], ["2020-01-01"], {}, {"a": 1}, b"2020-01-01T12:00:00", b"12:00", b"P1D", b"\xff",
    bytearray(b"2020-01-01"), Decimal("1.5"), date(2020, 1, 2), datetime(2020, 1, 2),
    datetime(2020, 1, 2, 3, 4, 5, 6), datetime(2020, 1, 2, tzinfo=TZ), time(12, 30),
    time(1, 2, 3, 4, tzinfo=timezone.utc), timedelta(days=-1, seconds=5), timedelta(0),
]

DATETIME_TEXTS = [
    *mutations("2020-01-02T03:04:05.123456+01:30"),
    *mutations("2020-01-02 03:04:05,5Z"),
    *mutations("2020-01-02t03:04\N{MINUS SIGN}0130"),
    "2020-01-02_03:04", "2020-01-02T03:04:05z", "2020-01-02T03:04:05.1234567891",
    "2020-01-02T03:04:05.", "2020-01-02T03:04:05+0130", "2020-01-02T03:04:05+01",
    "2020-01-02T03:04:05+01:60",
    "2020-01-02T03:04:05+23:59", "2020-01-02T03:04:05-24:00", "2020-01-02T03:04:05\N{MINUS SIGN}",
    "2020-01-02T03:04:05\u2213", "2020-01-02T24:00", "2020-01-02T23:60", "2020-01-02T23:59:60",
    "2020-02-29T00:00", "2019-02-29T00:00", "1900-02-29", "2000-02-29", "2020-04-31", "2020-13-01",
    "2020-00-10", "0000-01-01", "0000-01-01T00:00:00", "9999-12-31T23:59:59.999999Z", "2020-01-02",
    "2020-01-02x", "", " ", "0", "1600000000", "-1", "20000000000", "20000000001", "-20000000001",
    "1600000000123", "253402300800", "-62167219200", "-62167219201", "1.5", "-1.25", "1.5e3",
    "1.5E3", "1.5e", "1e5", ".5", "-.5", "+.5", "1.", "+1.5", "--1.5", "+-1", "1.5 ", " 1.5",
    "1_000", "1.2345678", "1.0e999", "-1.0e999", "99999999999999999999", "99999999999999999999.5",
    "9223372036854775807", "-9223372036854775808", "92233720368547758070", "100000000000000.5",
    "-", "+", ".", "NaN", "inf", "١٢٣", "2020-01-02T03:04:05é", "é",
]
DATE_TEXTS = [
    *mutations("2020-01-02"),
    "2020-01-02T00:00", "2020-01-02T00:00:00Z", "2020-01-02T00:00:00+05:30", "2020-01-02T00:00:01",
    "2020-01-02T00:00:00.000001", "2020-01-02 00:00", "2020-01-02T", "2020-01-02Tx", "86400",
    "86401", "-86400", "1600000000", "1599955200", "1599955200000", "1599955200000.0",
    "1599955200.5", "0", "-62167219200", "253402214400", "253402300800", "0000-01-01",
    "0000-01-01T00:00:00", "9999-12-31", "2020-02-30",
]
TIME_TEXTS = [
    *mutations("03:04:05.123456+01:30"),
    *mutations("23:59,5z"),
    *mutations("00:00:00,0000019-2359"),
    "03:04", "03:04Z", "03:04:05", "03:04:05.1", "03:04:05.123456789", "03:04:05.",
    "03:04:05,", "03:04:05-0130", "03:04:05\N{MINUS SIGN}01:30", "03:04:05+24:00", "24:00",
    "23:60", "23:59:60", "3:04", "0304", "3600", "36000", "03:04:05 ", "", "Z", "T03:04",
    "2020-01-02T03:04", "03:04:05+01:3", "03:04:05+1", "03:04:05+01:", "03:04:05.5x",
]
TIMEDELTA_TEXTS = [
    *mutations("P1Y2M3W4DT5H6M7.5S"),
    *mutations("-1 days, 02:03:04.5"),
    *mutations("+26:03:04,25"),
    "P1D", "PT1H", "PT0.5S", "PT1,5S", "P0.5D", "P1.5Y", "P1.5W", "PT1.5H30M", "PT1.5H", "P1.5DT1H",
    "PT", "P", "-P", "+PT", "-PT0S", "+P1D", "PT1X", "P1X", "P1DT", "PTT1H", "P1DT1H1H", "P1DTT1H",
    "P4294967295D", "P4294967296D", "P999999999D", "P1000000000D", "P1Y999999999D", "PT86400S",
    "PT4294967295S", "PT4294967296S", "PT1193047H", "PT0.123456789S", "PT0.0000005S",
    "P0." + "9" * 400 + "D", "PD", "P-1D", "P1", "pT1H", "1d", "1D", "1 d", "1 day", "2 days",
    "1 DAY", "1 DAYS", "1 Days", "1 da", "1 dayz", "1dx", "1d1:00", "1d 01:00", "1d,01:00",
    "1d, 01:00", "1d 24:00:00", "1d 23:59:59.999999", "1 days 00:00", "1d ", "d", "x d", "1",
    "12", "123", "1234", "12345", "abc", "ab", "01:00:00", "25:00:00", "100000:00:00",
    "2400000000:00", "2400000001:00", "99999999999:00", "10:00:00.1234567xyz", "1:00", ":10:00",
    "10:61:00", "10:00:61", "10:00:00.", "10;00", "1x:00", "-", "+", "", "-1:00", "--1:00",
    "-P999999999DT1S", "P999999999DT1S", "-P1000000000D",
]
DECIMAL_INPUTS: list[Any] = [
    "1", "1.5", " 1.5 ", "-0", "+1", "1e5", "1E-7", "1_000", "1__0", "١٢", ".5", "5.", "", " ",
    "abc", "1.5.5", "nan", "NaN", "-nan", "snan", "inf", "-Infinity", "1e999999999999", "0x10",
    0, 1, -5, 10**30, 10**400, 0.1, 1.5, -0.0, 1e16, 1e-7, 3.14159265358979,
    float("nan"), float("inf"), True, False, None, [], [1], {}, (0, (1, 5), -1), (1, (), 0),
    (0, (1,), "x"), (0, (1, 2)), Decimal("1.50"), Decimal("NaN"), Decimal("-Infinity"),
    b"1.5", date(2020, 1, 1),
]
HYPHENATED = "00000000-0000-0000-0000-000000000000"
UUID_INPUTS: list[Any] = [
    *mutations("F9168C5E-CEB2-4faa-B6BF-329BF39FA1E4"),
    "67e5504410b1426f9247bb680e5fe0c8", "{67e55044-10b1-426f-9247-bb680e5fe0c8}",
    "urn:uuid:67e55044-10b1-426f-9247-bb680e5fe0c8",
    "URN:UUID:67e55044-10b1-426f-9247-bb680e5fe0c8",
    "{67e5504410b1426f9247bb680e5fe0c8}", "67e55044-10b1-426f-9247-bb680e5fe0c8 ",
    "!", "{x", "urn:uuid:x", "é", "aé", "é" * 16, "a" * 31 + "é", "", "{}", "{", "}", "{x}",
    "0" * 31, "0" * 33, "0" * 36, "0" * 38, "0" * 45, "0" * 46, "{" + "0" * 30 + "}",
    "{" + HYPHENATED[:-2] + "}", "{" + HYPHENATED[:-1] + "}", "{" + HYPHENATED + "}x",
    "{" + HYPHENATED, HYPHENATED + "}", "{" + "0" * 36 + "}", "{" + "-" * 36 + "}",
    "0-0-0-0-0", "0" * 8 + "-" * 28, "-" * 36, "urn:uuid:", "urn:uuid", "urn:uuid:" + "0" * 32,
    "urn:uuid:" + HYPHENATED[:-1], "urn:uuid:" + HYPHENATED + "0", "0" * 16 + "-" + "0" * 15,
    "0" * 35 + "\u0130", "0" * 35 + "\u012d", HYPHENATED[:-1] + "\U0001f600",
    b"1234567890123456", b"12345", b"\xff" * 16, b"\xff" * 3, b"67e5504410b1426f9247bb680e5fe0c8",
    bytearray(b"1234567890123456"), 1, 1.5, True, None, [], UUID(int=5),
]


def cases(annotation: Any, texts: list[str], *extra: list[Any]) -> list[Any]:
    values = [*texts, *(value for group in extra for value in group)]
    return [pytest.param(annotation, annotation, value, id=f"{annotation.__name__}-{value!r}"[:90])
            for value in values]


def comparable(value: Any) -> Any:
    """What must agree of a value: its type and value; the text and offset of a datetime or
    time (pydantic's timezone is its own class); NaN as itself."""
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    if isinstance(value, (datetime, time)):
        return (type(value), value.isoformat(), value.utcoffset())
    if isinstance(value, (list, tuple)):
        return (type(value), [comparable(item) for item in value])
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items()}
    return (type(value), value)


def with_pydantic(annotation: Any, value: Any) -> Any:
    try:
        result = pydantic.TypeAdapter(annotation).validate_python(value)
    except pydantic.ValidationError as err:
        return "errors", [
            comparable({**error, "loc": [*LOC, *error["loc"]]})
            for error in err.errors(include_url=False)
        ]
    except Exception as err:  # noqa: BLE001 - pydantic lets some through (OverflowError)
        return "raises", type(err), str(err)
    return "value", comparable(result)


def with_sdk(annotation: Any, value: Any) -> Any:
    try:
        result, errors = validate(compile_type(annotation), value, LOC)
    except Exception as err:  # noqa: BLE001
        return "raises", type(err), str(err)
    if errors:
        return "errors", [comparable(error) for error in errors]
    return "value", comparable(result)


@pytest.mark.parametrize(
    "ours, theirs, value",
    [
        *cases(datetime, DATETIME_TEXTS, NUMBERS, OTHERS),
        *cases(date, DATE_TEXTS, DATETIME_TEXTS, NUMBERS, OTHERS),
        *cases(time, TIME_TEXTS, NUMBERS, OTHERS),
        *cases(timedelta, TIMEDELTA_TEXTS, NUMBERS, OTHERS),
        *cases(Decimal, [], DECIMAL_INPUTS),
        *cases(UUID, [], UUID_INPUTS),
    ],
)
def test_inputs_are_read_as_pydantic_reads_them(ours: Any, theirs: Any, value: Any):
    assert with_sdk(ours, value) == with_pydantic(theirs, value)


def both(annotation: Any, **bounds: Any) -> tuple[Any, Any]:
    return (
        Annotated[annotation, fastwasm.Field(**bounds)],
        Annotated[annotation, pydantic.Field(**bounds)],
    )


#: Inputs for `max_digits` and `decimal_places`: normalised forms, exponents, zeros, floats.
DIGITS = [
    "123.45", "1234.5", "1.234", "123456", "0.001", "12.3400", 1e3, "1e2", "1E+3", "-0.00",
    "00012.30", "0", "0.0", "1.5", "-1.5", "2.0", "99999", "9.99", "0.1", "1", 12.345, 7,
    "Infinity", "NaN", "1e-7", "100", "-12.5", True,
]

BOUNDED = [
    (
        both(datetime, gt=datetime(2020, 1, 1)),
        ["2019-12-31", "2020-01-01T00:00", "2020-01-01T00:00:00.000001", "2020-01-01T00:00Z",
         1_600_000_000],
    ),
    (
        both(datetime, le=datetime(2020, 1, 1, tzinfo=timezone.utc)),
        ["2020-01-01T00:00Z", "2020-01-01T01:00+01:00", "2020-01-01T01:00:00.5+01:00",
         "2020-01-01T00:00", "2020-01-01T00:00:01"],
    ),
    (
        both(datetime, ge="2020-01-01T00:00:00.5+05:30", lt=1_600_000_000),
        ["2020-01-01", "2020-01-01T00:00:00.5+05:30", "2020-01-01T00:00+05:29",
         "2020-09-13T12:26:40Z", "0000-01-01"],
    ),
    (
        both(date, ge=date(2020, 1, 1), lt="2021-01-01"),
        ["2019-12-31", "2020-01-01", "2021-01-01", 1_600_000_000, "0000-01-01",
         datetime(2020, 6, 1)],
    ),
    (both(time, gt=time(12)), ["11:00", "12:00", "12:00:00.000001", "12:00Z", 43_200.5]),
    (
        both(time, le=time(12, tzinfo=timezone(timedelta(hours=1)))),
        ["11:00Z", "11:00:01Z", "12:00", "12:00:01", "12:00+01:00"],
    ),
    (both(time, ge="01:02:03.5-01:01"), ["01:02:03.4-01:01", "01:02:03.5-01:01", "00:00"]),
    (
        both(timedelta, gt=timedelta(days=1, hours=2)),
        ["P1D", "P1DT2H", "P1DT2H0.000001S", 93_600, -1],
    ),
    (both(timedelta, ge=timedelta(0)), ["-PT0S", "PT0S", "-PT1S", 0, -0.0, timedelta(seconds=-1)]),
    (
        both(timedelta, lt=timedelta(seconds=-1.5), le="-P1D"),
        ["-P2D", "-P1D", "-PT1S", "PT0S", "P1D"],
    ),
    (both(timedelta, le=timedelta(microseconds=1)), ["PT0.000002S", "PT0.000001S"]),
    (both(timedelta, ge=timedelta(days=2, hours=3, minutes=1, seconds=1, microseconds=1)), ["P2D"]),
    (both(Decimal, gt=1, le=Decimal("5.5")), ["1", "1.0001", "5.5", "5.50001", 0.5, 6, "nan"]),
    (both(Decimal, ge=0.1, lt="10"), ["0.1", "0.09999", "10", 9.99]),
] + [
    (both(Decimal, **digits), DIGITS)
    for digits in (
        {"max_digits": 5, "decimal_places": 2},
        {"max_digits": 3},
        {"decimal_places": 0, "ge": 0},
        {"max_digits": 1, "decimal_places": 1},
        {"max_digits": 2, "decimal_places": 3},
        {"max_digits": 4, "le": 10},
    )
]


@pytest.mark.parametrize(
    "ours, theirs, value",
    [
        pytest.param(ours, theirs, value, id=f"{typing.get_args(ours)[0].__name__}-{value!r}")
        for (ours, theirs), values in BOUNDED
        for value in values
    ],
)
def test_bounds_are_checked_as_pydantic_checks_them(ours: Any, theirs: Any, value: Any):
    assert with_sdk(ours, value) == with_pydantic(theirs, value)


@pytest.mark.parametrize(
    "annotation, bounds",
    [
        (date, {"gt": 0}),
        (date, {"gt": datetime(2020, 1, 1)}),
        (time, {"ge": "01:02:03.5-01:01:30"}),
        (datetime, {"lt": "soon"}),
        (timedelta, {"le": [1]}),
        (Decimal, {"gt": "one"}),
    ],
)
def test_bounds_not_of_the_type_fail_the_declaration_as_in_pydantic(annotation: Any, bounds: Any):
    with pytest.raises(pydantic_core.SchemaError) as theirs:
        pydantic.TypeAdapter(Annotated[annotation, pydantic.Field(**bounds)])
    with pytest.raises(UnsupportedType) as ours:
        compile_type(Annotated[annotation, fastwasm.Field(**bounds)])
    assert str(ours.value) in str(theirs.value)


@pytest.mark.parametrize(
    "annotation",
    [
        datetime, date, time, timedelta, Decimal, UUID, Optional[datetime], list[timedelta],
        Union[int, datetime, date, time, timedelta, Decimal, UUID], Optional[Decimal],
        Union[int, Decimal, str], Optional[Union[int, str]], *(ours for (ours, _), _ in BOUNDED),
    ],
)
def test_json_schemas_are_pydantics(annotation: Any):
    theirs = typing.get_args(annotation)[0] if typing.get_origin(annotation) is Annotated else None
    if theirs is not None:
        metadata = typing.get_args(annotation)[1]
        theirs = Annotated[theirs, pydantic.Field(**{
            key: getattr(metadata.constraints, key) for key in ("gt", "ge", "lt", "le")
            if getattr(metadata.constraints, key) is not None
        })]
    expected = pydantic.TypeAdapter(theirs or annotation).json_schema()
    assert json_schema(compile_type(annotation)) == expected


def test_union_errors_are_located_by_pydantics_labels():
    annotation = Union[int, datetime, date, time, timedelta, Decimal, UUID]
    assert with_sdk(annotation, [1]) == with_pydantic(annotation, [1])
    assert with_sdk(annotation, "x") == with_pydantic(annotation, "x")


class Ours:
    class Event(fastwasm.BaseModel):
        when: datetime = datetime(2020, 1, 1, tzinfo=timezone.utc)
        day: date = date(2020, 1, 2)
        at: time = time(9, 30)
        every: timedelta = timedelta(hours=1, microseconds=5)
        price: Decimal = Decimal("1.50")
        id: UUID = UUID(int=5)
        later: Optional[datetime] = None
        cost: Optional[Decimal] = None
        spans: list[timedelta] = [timedelta(days=400)]
        bounded: Annotated[Decimal, fastwasm.Field(gt=0)] = Decimal("1")


class Theirs:
    class Event(pydantic.BaseModel):
        when: datetime = datetime(2020, 1, 1, tzinfo=timezone.utc)
        day: date = date(2020, 1, 2)
        at: time = time(9, 30)
        every: timedelta = timedelta(hours=1, microseconds=5)
        price: Decimal = Decimal("1.50")
        id: UUID = UUID(int=5)
        later: Optional[datetime] = None
        cost: Optional[Decimal] = None
        spans: list[timedelta] = [timedelta(days=400)]
        bounded: Annotated[Decimal, pydantic.Field(gt=0)] = Decimal("1")


MINUTE_WEST = timezone(-timedelta(seconds=3661))


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"when": "2020-01-01T01:02:03.000004", "at": time(1, 2, 3, 4, tzinfo=TZ),
         "price": "1E+2", "every": timedelta(days=-1, seconds=5),
         "later": datetime(1, 1, 1, tzinfo=TZ)},
        {"when": datetime(2020, 1, 1, tzinfo=timezone(timedelta(hours=-3))), "every": 0,
         "price": Decimal("-0"), "at": time(0, 0, tzinfo=timezone.utc),
         "id": "{" + "a" * 8 + HYPHENATED[8:] + "}", "cost": 3},
        {"every": timedelta(days=732, seconds=18_061, microseconds=500_000), "price": 0.000001,
         "when": datetime(2020, 1, 1, tzinfo=MINUTE_WEST), "day": "2020-01-02T00:00:00+01:00",
         "spans": ["-PT0.000001S", "P1Y", "PT0S", 1.5], "later": 1_600_000_000_123},
        {"when": "2020-01-01T00:00:00.5Z", "at": "23:59:59.9999999", "every": "P0.5D",
         "bounded": "7", "cost": "1e-7"},
    ],
)
def test_model_dump_json_is_pydantics(values: dict[str, Any]):
    ours, theirs = Ours.Event(**values), Theirs.Event(**values)
    assert ours.model_dump(mode="json") == theirs.model_dump(mode="json")


def test_model_json_schema_is_pydantics():
    assert Ours.Event.model_json_schema() == Theirs.Event.model_json_schema()
