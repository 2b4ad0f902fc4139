"""Dates, times, datetimes and durations as pydantic reads and writes them.

pydantic-core parses them with the Rust crate speedate (0.17; 0.18 reads the same); this module
ports its parsers and pydantic-core's rules around them: which inputs are timestamps (seconds,
or milliseconds past ±2e10), when a date may come from a datetime and the reverse, and which
error each input gets, with speedate's texts in pydantic's messages. pydantic never asks
speedate for `microseconds_precision="error"` or a fixed timestamp unit, so only its defaults
("truncate", "infer") are ported.

Parsing works on UTF-8 bytes, as speedate does, and builds speedate's values (`Date`, `Time`,
`DateTime`, `Duration`): they hold what Python's cannot (the year 0, a negative zero duration)
until pydantic converts them, after checking bounds."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, NamedTuple, TypeVar

T = TypeVar("T")

I64_MIN, I64_MAX = -(2**63), 2**63 - 1
U32_MAX, U64_MAX = 2**32 - 1, 2**64 - 1
#: A timestamp beyond ±2e10 is in milliseconds: in seconds it would be after the year 2603.
MS_WATERSHED = 20_000_000_000
UNIX_0000 = -62_167_219_200  # 0000-01-01T00:00:00
UNIX_9999 = 253_402_300_799  # 9999-12-31T23:59:59

# speedate's error texts (the documentation of its `ParseError`).
TOO_SHORT = "input is too short"
EXTRA_CHARACTERS = "unexpected extra characters at the end of the input"
INVALID_CHAR_DATE_TIME_SEP = "invalid datetime separator, expected `T`, `t`, `_` or space"
INVALID_CHAR_DATE_SEP = "invalid date separator, expected `-`"
DATE_NOT_EXACT = "Timestamp is not an exact date"
INVALID_CHAR_YEAR = "invalid character in year"
INVALID_CHAR_MONTH = "invalid character in month"
INVALID_CHAR_DAY = "invalid character in day"
INVALID_CHAR_TIME_SEP = "invalid time separator, expected `:`"
INVALID_CHAR_HOUR = "invalid character in hour"
INVALID_CHAR_MINUTE = "invalid character in minute"
INVALID_CHAR_SECOND = "invalid character in second"
INVALID_CHAR_TZ_SIGN = "invalid timezone sign"
INVALID_CHAR_TZ_HOUR = "invalid timezone hour"
INVALID_CHAR_TZ_MINUTE = "invalid timezone minute"
OUT_OF_RANGE_TZ_MINUTE = "timezone minute value is outside expected range of 0-59"
OUT_OF_RANGE_TZ = "timezone offset must be less than 24 hours"
OUT_OF_RANGE_MONTH = "month value is outside expected range of 1-12"
OUT_OF_RANGE_DAY = "day value is outside expected range"
OUT_OF_RANGE_HOUR = "hour value is outside expected range of 0-23"
OUT_OF_RANGE_MINUTE = "minute value is outside expected range of 0-59"
OUT_OF_RANGE_SECOND = "second value is outside expected range of 0-59"
SECOND_FRACTION_MISSING = "second fraction digits missing after `.`"
DURATION_INVALID_NUMBER = "invalid digit in duration"
DURATION_T_REPEATED = "`t` character repeated in duration"
DURATION_INVALID_FRACTION = "quantity fraction invalid in duration"
DURATION_INVALID_TIME_UNIT = "quantity invalid in time part of duration"
DURATION_INVALID_DATE_UNIT = "quantity invalid in date part of duration"
DURATION_INVALID_DAYS = '"day" identifier in duration not correctly formatted'
DURATION_VALUE_TOO_LARGE = "a numeric value in the duration is too large"
DURATION_HOUR_VALUE_TOO_LARGE = "durations may not exceed 999,999,999 hours"
DURATION_DAYS_TOO_LARGE = "durations may not exceed 999,999,999 days"
DATE_TOO_SMALL = "dates before 0000 are not supported as unix timestamps"
DATE_TOO_LARGE = "dates after 9999 are not supported as unix timestamps"
TIME_TOO_LARGE = "numeric times may not exceed 86,399 seconds"
# pydantic-core's own texts, in the same messages.
NAN = "NaN values not permitted"
YEAR_0 = "year 0 is out of range"
NEGATIVE_TIME = "time in seconds should be positive"


class ParseError(ValueError):
    """A speedate error; its text is the `{error}` of pydantic's message."""


class Invalid(ValueError):
    """pydantic's error for an input: its `type`, `msg`, `ctx` and the `input` it names."""

    def __init__(self, kind: str, msg: str, value: Any, ctx: dict[str, Any] | None = None) -> None:
        super().__init__(msg)
        self.kind = kind
        self.msg = msg
        self.input = value
        self.ctx = ctx


_TYPE_MESSAGES = {
    "datetime_type": "Input should be a valid datetime",
    "date_type": "Input should be a valid date",
    "time_type": "Input should be a valid time",
    "time_delta_type": "Input should be a valid timedelta",
}
_PARSING_MESSAGES = {
    "datetime_parsing": "Input should be a valid datetime, {}",
    "datetime_from_date_parsing": "Input should be a valid datetime or date, {}",
    "date_parsing": "Input should be a valid date in the format YYYY-MM-DD, {}",
    "date_from_datetime_parsing": "Input should be a valid date or datetime, {}",
    "time_parsing": "Input should be in a valid time format, {}",
    "time_delta_parsing": "Input should be a valid timedelta, {}",
}


def _type_error(kind: str, value: Any) -> Invalid:
    return Invalid(kind, _TYPE_MESSAGES[kind], value)


def _parsing_error(kind: str, error: str, value: Any) -> Invalid:
    return Invalid(kind, _PARSING_MESSAGES[kind].format(error), value, {"error": error})


def _speedate(kind: str, value: Any, parse: Callable[..., T], *args: Any) -> T:
    """`parse(*args)`, its speedate error as pydantic's `kind` error for `value`."""
    try:
        return parse(*args)
    except ParseError as error:
        raise _parsing_error(kind, str(error), value) from None


# Rust's arithmetic, where Python's differs.


def _cast(value: float, low: int, high: int) -> int:
    """Rust's `value as` an integer type: toward zero, saturated at its bounds, NaN as 0."""
    if math.isnan(value):
        return 0
    if math.isinf(value):
        return high if value > 0 else low
    return min(max(int(value), low), high)


def _floor(value: float) -> float:
    return math.floor(value) if math.isfinite(value) else value


def _trunc(value: float) -> float:
    return math.trunc(value) if math.isfinite(value) else value


def _round(value: float) -> float:
    """Rust's `f64::round`: halves away from zero (Python's `round` takes them to even)."""
    if not math.isfinite(value):
        return value
    return int(Decimal(value).to_integral_value(ROUND_HALF_UP))


def _cmp(a: Any, b: Any) -> int:
    return (a > b) - (a < b)


# Numbers in strings.

_DIGITS = re.compile(rb"[0-9]*")
_INT = re.compile(rb"[+-]?0*(?=[0-9])([0-9]*)")  # the digits after the leading zeros
#: What a float is to the `lexical` crate speedate reads one with (Rust's own syntax).
_FLOAT = re.compile(rb"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _read_int(data: bytes) -> int | None:
    """A 64-bit integer, signed or not; `None` when `data` is not one."""
    match = _INT.fullmatch(data)
    # More than 19 digits are beyond 64 bits (and Python refuses to read thousands of them).
    if match is None or len(match[1]) > 19:
        return None
    value = int(data)
    return value if I64_MIN <= value <= I64_MAX else None


def _read_number(data: bytes) -> int | float | None:
    """An integer, else a float if there is a `.` (not `1e5`, which speedate does not read)."""
    value = _read_int(data)
    if value is None and b"." in data and _FLOAT.fullmatch(data):
        return float(data)
    return value


def _digits(data: bytes, start: int, count: int, error: str) -> int:
    """The number `count` ASCII digits at `start` write; `error` when one is not there."""
    written = data[start : start + count]
    if len(written) < count or not _DIGITS.fullmatch(written):
        raise ParseError(error)
    return int(written)


# Dates.

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class Date(NamedTuple):
    year: int
    month: int
    day: int


def _is_leap(year: int) -> bool:
    return year % 400 == 0 if year % 100 == 0 else year % 4 == 0


def _month_length(year: int, month: int) -> int:
    return 29 if month == 2 and _is_leap(year) else _MONTH_DAYS[month - 1]


def _leap_years_before(year: int) -> int:
    """Leap years from the year 0 (one) to `year`, excluded."""
    if year == 0:
        return 0
    return (year - 1) // 4 - (year - 1) // 100 + (year - 1) // 400 + 1


def _date_prefix(data: bytes) -> Date:
    """The `YYYY-MM-DD` that `data` starts with."""
    if len(data) < 10:
        raise ParseError(TOO_SHORT)
    year = _digits(data, 0, 4, INVALID_CHAR_YEAR)
    if data[4] != 0x2D:
        raise ParseError(INVALID_CHAR_DATE_SEP)
    month = _digits(data, 5, 2, INVALID_CHAR_MONTH)
    if data[7] != 0x2D:
        raise ParseError(INVALID_CHAR_DATE_SEP)
    day = _digits(data, 8, 2, INVALID_CHAR_DAY)
    if not 1 <= month <= 12:
        raise ParseError(OUT_OF_RANGE_MONTH)
    if not 1 <= day <= _month_length(year, month):
        raise ParseError(OUT_OF_RANGE_DAY)
    return Date(year, month, day)


def _parse_date(data: bytes) -> Date:
    """`YYYY-MM-DD`, or a timestamp of a midnight."""
    try:
        found = _date_prefix(data)
        if len(data) > 10:
            raise ParseError(EXTRA_CHARACTERS)
        return found
    except ParseError:
        timestamp = _read_int(data)
        if timestamp is None:
            raise
    seconds, microseconds = _split_timestamp(timestamp)
    found, rest = _date_of(seconds)
    if rest or microseconds:
        raise ParseError(DATE_NOT_EXACT)
    return found


def _split_timestamp(timestamp: int) -> tuple[int, int]:
    """The seconds and microseconds of a timestamp in seconds or, past the watershed, in
    milliseconds."""
    if abs(timestamp) <= MS_WATERSHED:
        return timestamp, 0
    seconds, milliseconds = divmod(timestamp, 1000)
    return seconds, milliseconds * 1000


def _date_of(timestamp: int) -> tuple[Date, int]:
    """The day of a timestamp in seconds, and the seconds into that day."""
    if timestamp < UNIX_0000:
        raise ParseError(DATE_TOO_SMALL)
    if timestamp > UNIX_9999:
        raise ParseError(DATE_TOO_LARGE)
    days = (timestamp - UNIX_0000) // 86_400
    year = days // 365
    day = days % 365 - _leap_years_before(year) + 1
    while day < 1:
        year -= 1
        day += 366 if _is_leap(year) else 365
    month = 1
    while day > _month_length(year, month):
        day -= _month_length(year, month)
        month += 1
    return Date(year, month, day), timestamp % 86_400


def _timestamp_of(found: Date) -> int:
    ordinal = sum(_month_length(found.year, month) for month in range(1, found.month)) + found.day
    days = found.year * 365 + ordinal - 1 + _leap_years_before(found.year)
    return days * 86_400 + UNIX_0000


# Times.


class Time(NamedTuple):
    hour: int
    minute: int
    second: int
    microsecond: int
    #: Seconds east of UTC; `None` when naive.
    offset: int | None


def _clock(data: bytes, start: int) -> tuple[int, int, int, int, int]:
    """`HH:MM[:SS[.ffffff]]` at `start`: hour, minute, second, microsecond, and where it ends.
    A fraction's digits past the sixth are read and dropped ("truncate")."""
    if len(data) - start < 5:
        raise ParseError(TOO_SHORT)
    hour = _digits(data, start, 2, INVALID_CHAR_HOUR)
    if data[start + 2] != 0x3A:
        raise ParseError(INVALID_CHAR_TIME_SEP)
    minute = _digits(data, start + 3, 2, INVALID_CHAR_MINUTE)
    if hour > 23:
        raise ParseError(OUT_OF_RANGE_HOUR)
    if minute > 59:
        raise ParseError(OUT_OF_RANGE_MINUTE)
    end = start + 5
    second = microsecond = 0
    if data[end : end + 1] == b":":
        second = _digits(data, end + 1, 2, INVALID_CHAR_SECOND)
        if second > 59:
            raise ParseError(OUT_OF_RANGE_SECOND)
        end += 3
        if data[end : end + 1] in (b".", b","):
            fraction_end = _DIGITS.match(data, end + 1).end()  # type: ignore[union-attr]
            if fraction_end == end + 1:
                raise ParseError(SECOND_FRACTION_MISSING)
            microsecond = int(data[end + 1 : min(fraction_end, end + 7)].ljust(6, b"0"))
            end = fraction_end
    return hour, minute, second, microsecond, end


def _time_at(data: bytes, start: int) -> Time:
    """A clock time at `start`, then an optional `Z` or `±HH[:]MM` offset, then nothing."""
    hour, minute, second, microsecond, end = _clock(data, start)
    offset = None
    if end < len(data):
        sign = data[end]
        end += 1
        if sign in b"Zz":
            offset = 0
        else:
            if sign == 0x2B:
                factor = 1
            elif sign == 0x2D:
                factor = -1
            elif data[end - 1 : end + 2] == "\N{MINUS SIGN}".encode():  # as ISO 8601 allows
                factor = -1
                end += 2
            else:
                raise ParseError(INVALID_CHAR_TZ_SIGN)
            hours = _digits(data, end, 2, INVALID_CHAR_TZ_HOUR)
            if data[end + 2 : end + 3] == b":":
                end += 3
            elif data[end + 2 : end + 3].isdigit():
                end += 2
            else:
                raise ParseError(INVALID_CHAR_TZ_MINUTE)
            minutes = _digits(data, end, 2, INVALID_CHAR_TZ_MINUTE)
            if minutes > 59:
                raise ParseError(OUT_OF_RANGE_TZ_MINUTE)
            offset = factor * (hours * 3600 + minutes * 60)
            if abs(offset) >= 86_400:
                raise ParseError(OUT_OF_RANGE_TZ)
            end += 2
    if len(data) > end:
        raise ParseError(EXTRA_CHARACTERS)
    return Time(hour, minute, second, microsecond, offset)


def _time_of(seconds: int, microseconds: int) -> Time:
    """The UTC time of a number of seconds (and microseconds) into a day."""
    seconds += microseconds // 1_000_000
    if seconds >= 86_400:
        raise ParseError(TIME_TOO_LARGE)
    return Time(seconds // 3600, seconds % 3600 // 60, seconds % 60, microseconds % 1_000_000, 0)


def _time_of_timestamp(seconds: int, microseconds: int) -> Time:
    """pydantic's time of a number: seconds since midnight, UTC."""
    if seconds < 0:
        raise ParseError(NEGATIVE_TIME)
    return _time_of(min(seconds, U32_MAX), microseconds)


def _seconds(clock: Time) -> int:
    return clock.hour * 3600 + clock.minute * 60 + clock.second


def _order_time(a: Time, b: Time) -> int:
    """Two times in order; by the instant only when both have an offset."""
    if a.offset is not None and b.offset is not None:
        return _cmp(
            (_seconds(a) - a.offset, a.microsecond), (_seconds(b) - b.offset, b.microsecond)
        )
    return _cmp((_seconds(a), a.microsecond), (_seconds(b), b.microsecond))


# Datetimes.


class DateTime(NamedTuple):
    date: Date
    time: Time


def _parse_datetime(data: bytes) -> DateTime:
    """`YYYY-MM-DD` and a time, or a timestamp (seconds or milliseconds, maybe fractional)."""
    try:
        found = _date_prefix(data)
        if data[10:11] not in (b"T", b"t", b" ", b"_"):
            raise ParseError(INVALID_CHAR_DATE_TIME_SEP)
        return DateTime(found, _time_at(data, 11))
    except ParseError:
        number = _read_number(data)
        if number is None:
            raise
    if isinstance(number, int):
        return _datetime_of(number)
    return _datetime_of_float(number)


def _datetime_of(timestamp: int) -> DateTime:
    """The UTC datetime of an integer timestamp."""
    return _datetime_at(*_split_timestamp(timestamp))


def _datetime_of_float(timestamp: float) -> DateTime:
    """The UTC datetime of a float timestamp, to the nearest microsecond (-1.25 is 2 seconds
    before 1970 and 750,000 microseconds). Seconds or milliseconds, by the float's size."""
    milliseconds = abs(timestamp) > MS_WATERSHED
    whole = _floor(timestamp)
    fraction = _cast(_round((timestamp - whole) * (1e3 if milliseconds else 1e6)), 0, U32_MAX)
    whole = _cast(whole, I64_MIN, I64_MAX)
    if not milliseconds:
        return _datetime_at(whole, fraction)
    seconds, rest = divmod(whole, 1000)
    return _datetime_at(seconds, rest * 1000 + fraction)


def _datetime_at(seconds: int, microseconds: int) -> DateTime:
    found, rest = _date_of(seconds + microseconds // 1_000_000)
    return DateTime(found, _time_of(rest, microseconds % 1_000_000))


def _order_datetime(a: DateTime, b: DateTime) -> int:
    """Two datetimes in order; by the instant only when both have an offset."""
    if a.time.offset is not None and b.time.offset is not None:
        return _cmp(
            (_timestamp_of(a.date) + _seconds(a.time) - a.time.offset, a.time.microsecond),
            (_timestamp_of(b.date) + _seconds(b.time) - b.time.offset, b.time.microsecond),
        )
    return _cmp(a.date, b.date) or _order_time(a.time, b.time)


# Durations.


class Duration(NamedTuple):
    positive: bool
    day: int
    second: int
    microsecond: int


def _u32(value: int) -> int:
    if value > U32_MAX:
        raise ParseError(DURATION_VALUE_TOO_LARGE)
    return value


def _duration(positive: bool, day: int, second: int, microsecond: int) -> Duration:
    """A duration with microseconds and seconds carried over, of at most 999,999,999 days."""
    second = _u32(second + microsecond // 1_000_000)
    day = _u32(day + second // 86_400)
    if day > 999_999_999:
        raise ParseError(DURATION_DAYS_TOO_LARGE)
    return Duration(positive, day, second % 86_400, microsecond % 1_000_000)


def _parse_duration(data: bytes) -> Duration:
    """`[±]P…` (ISO 8601), `[±]N d[ays][, ]HH:MM[:SS[.f]]` or `[±]HH:MM[:SS[.f]]`."""
    positive = data[:1] != b"-"
    if data[:1] in (b"-", b"+"):
        data = data[1:]
    if not data:
        raise ParseError(TOO_SHORT)
    if data[:1] == b"P":
        parts = _iso_duration(data[1:])
    elif b"d" in data or b"D" in data or len(data) < 5:
        parts = _days_and_clock(data)
    else:
        parts = _clock_duration(data)
    return _duration(positive, *parts)


def _number(data: bytes, start: int) -> tuple[int, int]:
    """The unsigned 32-bit number at `start`, and where it ends."""
    end = _DIGITS.match(data, start).end()  # type: ignore[union-attr]
    if end == start:
        raise ParseError(DURATION_INVALID_NUMBER)
    value = 0
    for byte in data[start:end]:
        value = _u32(value * 10 + byte - 0x30)
    return value, end


def _number_with_fraction(data: bytes, start: int) -> tuple[int, float | None, int]:
    """A number, its fraction (after `.` or `,`, summed as speedate sums it), and its end."""
    value, end = _number(data, start)
    if data[end : end + 1] not in (b".", b","):
        return value, None, end
    decimal, denominator = 0.0, 1.0
    end += 1
    while data[end : end + 1].isdigit():
        decimal = decimal * 10.0 + (data[end] - 0x30)
        denominator *= 10.0
        end += 1
    return value, decimal / denominator, end


_DATE_UNITS = {b"Y": 365, b"M": 30, b"W": 7, b"D": 1}
_TIME_UNITS = {b"H": 3600, b"M": 60, b"S": 1}


def _iso_duration(data: bytes) -> tuple[int, int, int]:
    """The days, seconds and microseconds of what follows an ISO 8601 duration's `P`; only the
    last quantity may have a fraction."""
    in_time = had_fraction = False
    day = second = microsecond = 0
    position = 0
    while position < len(data):
        if data[position] == 0x54:  # T
            if in_time:
                raise ParseError(DURATION_T_REPEATED)
            in_time = True
        else:
            value, fraction, position = _number_with_fraction(data, position)
            if had_fraction:
                raise ParseError(DURATION_INVALID_FRACTION)
            had_fraction = fraction is not None
            unit = data[position : position + 1]
            if in_time:
                if unit not in _TIME_UNITS:
                    raise ParseError(DURATION_INVALID_TIME_UNIT)
                factor = _TIME_UNITS[unit]
                second = _u32(second + _u32(factor * value))
                if fraction is not None:
                    extra = fraction * factor
                    whole = _trunc(extra)
                    second = _u32(second + _cast(whole, 0, U32_MAX))
                    micro = _cast(_round((extra - whole) * 1e6), 0, U32_MAX)
                    microsecond = _u32(microsecond + micro)
            else:
                if unit not in _DATE_UNITS:
                    raise ParseError(DURATION_INVALID_DATE_UNIT)
                factor = _DATE_UNITS[unit]
                day = _u32(day + _u32(value * factor))
                if fraction is not None:
                    extra_days = fraction * factor
                    whole_days = _trunc(extra_days)
                    day = _u32(day + _cast(whole_days, 0, U32_MAX))
                    extra = (extra_days - whole_days) * 86_400.0
                    whole = _trunc(extra)
                    second = _u32(second + _cast(whole, 0, U32_MAX))
                    microsecond += _cast(_round((extra - whole) * 1e6), 0, U32_MAX)
        position += 1
    if position < 2:
        raise ParseError(TOO_SHORT)
    return day, second, microsecond


def _days_and_clock(data: bytes) -> tuple[int, int, int]:
    """`N d`, `N days`, … optionally followed (after `,` and/or a space) by a clock duration of
    less than a day."""
    day, end = _number(data, 0)
    rest = data[end:]
    if rest[:2] in (b" d", b" D"):
        rest = rest[2:]
    elif rest[:1] in (b"d", b"D"):
        rest = rest[1:]
    else:
        raise ParseError(DURATION_INVALID_DAYS)
    for word in (b"ays", b"ay", b"AYS", b"AY"):
        if rest.startswith(word):
            rest = rest[len(word) :]
            break
    else:
        if rest[:1] in (b"a", b"A"):
            raise ParseError(DURATION_INVALID_DAYS)
    for separator in (b", ", b",", b" "):
        if rest.startswith(separator):
            rest = rest[len(separator) :]
            break
    if not rest:
        return day, 0, 0
    extra_days, second, microsecond = _clock_duration(rest)
    if extra_days:
        raise ParseError(DURATION_HOUR_VALUE_TOO_LARGE)
    return day, second, microsecond


def _clock_duration(data: bytes) -> tuple[int, int, int]:
    """`H…H:MM[:SS[.f]]`, any number of hours (up to 2.4 billion)."""
    if len(data) < 5:
        raise ParseError(TOO_SHORT)
    hours_text, colon, rest = data.partition(b":")
    if not colon:
        raise ParseError(INVALID_CHAR_HOUR)
    if len(hours_text) > 10:
        raise ParseError(DURATION_HOUR_VALUE_TOO_LARGE)
    if not _DIGITS.fullmatch(hours_text):
        raise ParseError(INVALID_CHAR_HOUR)
    hours = int(hours_text or b"0")
    if hours > 24 * 10**8:
        raise ParseError(DURATION_HOUR_VALUE_TOO_LARGE)
    # speedate reads the rest as the minutes, seconds and fraction of a clock time, which
    # "truncate" cuts to 12 characters: even what follows a fraction's sixth digit is dropped.
    clock = b"00:" + rest[:12]
    _, minute, second, microsecond, end = _clock(clock, 0)
    if len(clock) > end:
        raise ParseError(EXTRA_CHARACTERS)
    return hours // 24, hours % 24 * 3600 + minute * 60 + second, microsecond


def _duration_of_seconds(total: int) -> Duration:
    # pydantic saturates the days of a huge number, which then has too many of them.
    days, seconds = divmod(abs(total), 86_400)
    return _duration(total >= 0, min(days, U32_MAX), seconds, 0)


def _duration_of_float(total: float) -> Duration:
    magnitude = abs(total)
    return _duration(
        total >= 0,
        _cast(magnitude / 86_400, 0, U32_MAX),
        _cast(magnitude, 0, U64_MAX) % 86_400,
        _cast(_round((magnitude - _floor(magnitude)) * 1e6), 0, U32_MAX),
    )


def _order_duration(a: Duration, b: Duration) -> int:
    """Two durations in order: any positive one (zero included) after any negative one."""
    if a.positive != b.positive:
        return 1 if a.positive else -1
    return _cmp(a[1:], b[1:]) * (1 if a.positive else -1)


# Python's values and speedate's.


def _offset(value: datetime | time) -> int | None:
    delta = value.utcoffset()
    return None if delta is None else int(_round(delta.total_seconds()))


def _tzinfo(offset: int | None) -> timezone | None:
    if offset is None:
        return None
    return timezone.utc if offset == 0 else timezone(timedelta(seconds=offset))


def _date_value(value: date | Date) -> Date:
    return Date(value.year, value.month, value.day)


def _time_value(value: time | Time) -> Time:
    if isinstance(value, Time):
        return value
    return Time(value.hour, value.minute, value.second, value.microsecond, _offset(value))


def _datetime_value(value: datetime | DateTime) -> DateTime:
    if isinstance(value, DateTime):
        return value
    clock = Time(value.hour, value.minute, value.second, value.microsecond, _offset(value))
    return DateTime(_date_value(value), clock)


def _duration_value(value: timedelta | Duration) -> Duration:
    """A timedelta's duration: Python keeps the sign in the days only, speedate apart."""
    if isinstance(value, Duration):
        return value
    days, seconds, microseconds = value.days, value.seconds, value.microseconds
    if days >= 0:
        return Duration(True, days, seconds, microseconds)
    if microseconds:
        seconds += 1
        microseconds = 1_000_000 - microseconds
    if seconds:
        days += 1
        seconds = 86_400 - seconds
    return Duration(False, -days, seconds, microseconds)


def _timedelta(duration: Duration) -> timedelta:
    # Beyond 999,999,999 days this raises `OverflowError`, as pydantic lets it.
    sign = 1 if duration.positive else -1
    return timedelta(
        days=sign * duration.day,
        seconds=sign * duration.second,
        microseconds=sign * duration.microsecond,
    )


# pydantic's reading of Python inputs (lax mode): speedate's values, or Python's as given.


def _utf8(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value


def _float_input(value: Any, parsing: str) -> float | None:
    """`value` as a float, as pydantic reads one: a float, an int beyond 64 bits, anything with
    `__float__` (a `Decimal`); `None` for anything else, or an int too large for a float."""
    if not hasattr(type(value), "__float__"):
        return None
    try:
        number = float(value)
    except (OverflowError, TypeError, ValueError):
        return None
    if math.isnan(number):
        raise _parsing_error(parsing, NAN, value)
    return number


def _is_i64(value: Any) -> bool:
    return isinstance(value, int) and I64_MIN <= value <= I64_MAX


def _datetime_input(value: Any) -> datetime | DateTime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, (str, bytes)):
        return _speedate("datetime_parsing", value, _parse_datetime, _utf8(value))
    if isinstance(value, bool):
        raise _type_error("datetime_type", value)
    if _is_i64(value):
        return _speedate("datetime_parsing", value, _datetime_of, value)
    number = _float_input(value, "datetime_parsing")
    if number is not None:
        return _speedate("datetime_parsing", value, _datetime_of_float, number)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    raise _type_error("datetime_type", value)


def _date_input(value: Any) -> date | Date:
    if isinstance(value, datetime):
        raise _type_error("date_type", value)
    if isinstance(value, date):
        return value
    if isinstance(value, (str, bytes)):
        return _speedate("date_parsing", value, _parse_date, _utf8(value))
    raise _type_error("date_type", value)


def _time_input(value: Any) -> time | Time:
    if isinstance(value, time):
        return value
    if isinstance(value, (str, bytes)):
        return _speedate("time_parsing", value, _time_at, _utf8(value), 0)
    if isinstance(value, bool):
        raise _type_error("time_type", value)
    if _is_i64(value):
        return _speedate("time_parsing", value, _time_of_timestamp, value, 0)
    number = _float_input(value, "time_parsing")
    if number is not None:
        whole = _floor(number)
        microseconds = _cast(_round((number - whole) * 1e6), 0, U32_MAX)
        seconds = _cast(whole, I64_MIN, I64_MAX)
        return _speedate("time_parsing", value, _time_of_timestamp, seconds, microseconds)
    raise _type_error("time_type", value)


def _timedelta_input(value: Any) -> timedelta | Duration:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, (str, bytes)):
        return _speedate("time_delta_parsing", value, _parse_duration, _utf8(value))
    if _is_i64(value):  # `True` included: pydantic reads it as one second
        return _speedate("time_delta_parsing", value, _duration_of_seconds, value)
    number = _float_input(value, "time_delta_parsing")
    if number is not None:
        return _speedate("time_delta_parsing", value, _duration_of_float, number)
    raise _type_error("time_delta_type", value)


def _datetime_from_date(value: Any, error: Invalid) -> DateTime:
    """A datetime that failed, read as a date (midnight, naive); its date error when it is a
    string that is not one either, else the datetime `error`."""
    try:
        found = _date_input(value)
    except Invalid as date_error:
        if date_error.kind == "date_parsing":
            text = date_error.ctx["error"]  # type: ignore[index]
            raise _parsing_error("datetime_from_date_parsing", text, value) from None
        raise error from None
    return DateTime(_date_value(found), Time(0, 0, 0, 0, None))


def _date_from_datetime(value: Any, error: Invalid) -> Date:
    """A date that failed, read as a datetime, which must be at midnight (in any timezone)."""
    try:
        found = _datetime_value(_datetime_input(value))
    except Invalid as datetime_error:
        if datetime_error.kind == "datetime_parsing":
            text = datetime_error.ctx["error"]  # type: ignore[index]
            raise _parsing_error("date_from_datetime_parsing", text, value) from None
        raise error from None
    if found.time[:4] != (0, 0, 0, 0):
        raise Invalid(
            "date_from_datetime_inexact",
            "Datetimes provided to dates should have zero time - e.g. be exact dates",
            value,
        )
    return found.date


# Bounds (`gt`, `ge`, `lt`, `le`), compared as speedate compares.

#: By constraint: the bound's speedate value, and how messages write it.
Bounds = dict[str, tuple[Any, str]]

_LIMITS = (  # in the order pydantic checks them
    ("le", "less_than_equal", "less than or equal to", lambda order: order <= 0),
    ("lt", "less_than", "less than", lambda order: order < 0),
    ("ge", "greater_than_equal", "greater than or equal to", lambda order: order >= 0),
    ("gt", "greater_than", "greater than", lambda order: order > 0),
)


def _check(found: Any, bounds: Bounds, order: Callable[[Any, Any], int], value: Any) -> None:
    """Raises pydantic's error for `value` (whose speedate value is `found`) out of `bounds`."""
    for key, kind, words, holds in _LIMITS:
        if key in bounds:
            bound, text = bounds[key]
            if not holds(order(found, bound)):
                raise Invalid(kind, f"Input should be {words} {text}", value, {key: text})


def _timedelta_words(value: timedelta) -> str:
    """A timedelta bound as pydantic's messages write it: `1 day and 2 hours`."""
    parts = (
        (value.days, "day"),
        (value.seconds // 3600, "hour"),
        (value.seconds % 3600 // 60, "minute"),
        (value.seconds % 60, "second"),
        (value.microseconds, "microsecond"),
    )
    words = [f"{count} {unit}{'' if count == 1 else 's'}" for count, unit in parts if count]
    return " and ".join(words) or "0 seconds"


def _date_text(value: Date) -> str:
    return f"{value.year:04}-{value.month:02}-{value.day:02}"


def _time_text(value: Time) -> str:
    text = f"{value.hour:02}:{value.minute:02}:{value.second:02}"
    if value.microsecond:
        text += f".{value.microsecond:06}"
    if value.offset == 0:
        return text + "Z"
    if value.offset is not None:
        minutes = abs(value.offset) // 60  # an offset's seconds are not written
        text += f"{'-' if value.offset < 0 else '+'}{minutes // 60:02}:{minutes % 60:02}"
    return text


def _datetime_text(value: DateTime) -> str:
    return f"{_date_text(value.date)}T{_time_text(value.time)}"


def _duration_text(value: Duration) -> str:
    """ISO 8601 with 365-day years: `P1Y35DT2H3M4.5S`, `-PT1S`, `PT0S`."""
    text = "P" if value.positive else "-P"
    years, days = divmod(value.day, 365)
    if years:
        text += f"{years}Y"
    if days:
        text += f"{days}D"
    if value.second or value.microsecond:
        hours, rest = divmod(value.second, 3600)
        minutes, seconds = divmod(rest, 60)
        text += "T"
        if hours:
            text += f"{hours}H"
        if minutes:
            text += f"{minutes}M"
        if seconds or value.microsecond:
            text += str(seconds)
            if value.microsecond:
                text += "." + f"{value.microsecond:06}".rstrip("0")
            text += "S"
    elif not value.day:
        text += "T0S"
    return text


_BOUND_READERS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], str]]] = {
    "datetime": (lambda bound: _datetime_value(_datetime_input(bound)), _datetime_text),
    "date": (lambda bound: _date_value(_date_input(bound)), _date_text),
    "time": (lambda bound: _time_value(_time_input(bound)), _time_text),
    "timedelta": (
        lambda bound: _duration_value(_timedelta_input(bound)),
        lambda bound: _timedelta_words(_timedelta(bound)),
    ),
}


def bounds(kind: str, constraints: dict[str, Any]) -> Bounds:
    """The `gt`/`ge`/`lt`/`le` of a `kind` value ("datetime", "date", "time", "timedelta"),
    read as pydantic reads them, leniently (`"2020-01-01T00:00"` or a timestamp may bound a
    datetime). Raises `ValueError` for one that is not of the kind, as pydantic does."""
    read, write = _BOUND_READERS[kind]
    found: Bounds = {}
    for key, bound in constraints.items():
        try:
            value = read(bound)
        except Invalid:
            raise ValueError(f"'{key}' must be coercible to a {kind} instance") from None
        found[key] = (value, write(value))
    return found


# What the rest of the SDK calls: pydantic's validation (lax, Python mode) and serialization.


def validate_datetime(value: Any, limits: Bounds | None = None) -> datetime:
    """`value` as pydantic's `datetime`: a datetime; a date (midnight); an ISO 8601 string
    (`YYYY-MM-DD`, then `T`, `t`, `_` or space, a time and an optional offset), or just a date;
    a Unix timestamp, number or numeric string, in UTC. Raises `Invalid`."""
    try:
        found = _datetime_input(value)
    except Invalid as error:
        found = _datetime_from_date(value, error)
    if limits:
        _check(_datetime_value(found), limits, _order_datetime, value)
    if isinstance(found, datetime):
        return found
    if found.date.year == 0:
        raise _parsing_error("datetime_parsing", YEAR_0, value)
    day, clock = found
    return datetime(
        day.year,
        day.month,
        day.day,
        clock.hour,
        clock.minute,
        clock.second,
        clock.microsecond,
        _tzinfo(clock.offset),
    )


def validate_date(value: Any, limits: Bounds | None = None) -> date:
    """`value` as pydantic's `date`: a date; `YYYY-MM-DD`; or what `validate_datetime` reads,
    at midnight (in its own timezone). Raises `Invalid`."""
    try:
        found = _date_input(value)
    except Invalid as error:
        found = _date_from_datetime(value, error)
    if limits:
        _check(_date_value(found), limits, _cmp, value)
    if isinstance(found, date):
        return found
    if found.year == 0:
        raise _parsing_error("date_parsing", YEAR_0, value)
    return date(*found)


def validate_time(value: Any, limits: Bounds | None = None) -> time:
    """`value` as pydantic's `time`: a time; `HH:MM[:SS[.ffffff]]` and an optional offset; or a
    number of seconds since midnight, in UTC. Raises `Invalid`."""
    found = _time_input(value)
    if limits:
        _check(_time_value(found), limits, _order_time, value)
    if isinstance(found, time):
        return found
    return time(found.hour, found.minute, found.second, found.microsecond, _tzinfo(found.offset))


def validate_timedelta(value: Any, limits: Bounds | None = None) -> timedelta:
    """`value` as pydantic's `timedelta`: a timedelta; an ISO 8601 duration (`P1DT2H`), days
    and/or a clock (`1 day, 02:00:00`, `26:00`); or a number of seconds. Raises `Invalid`; a
    bound's error names the timedelta read, as pydantic's does."""
    found = _timedelta_input(value)
    result = found if isinstance(found, timedelta) else _timedelta(found)
    if limits:
        _check(_duration_value(found), limits, _order_duration, result)
    return result


def iso_format(value: date | time | timedelta) -> str:
    """A date, datetime, time or timedelta as pydantic writes it in JSON: ISO 8601, UTC as `Z`,
    an offset to the minute, microseconds only when there are some, a timedelta as a duration."""
    if isinstance(value, datetime):
        return _datetime_text(_datetime_value(value))
    if isinstance(value, date):
        return _date_text(_date_value(value))
    if isinstance(value, time):
        return _time_text(_time_value(value))
    return _duration_text(_duration_value(value))
