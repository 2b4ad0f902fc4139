"""pydantic's model options as real FastAPI apps use them — `field_validator` in every mode
(with `info.data`, `info.field_name`, several fields), `model_validator` before, after and
wrap, validators raising `ValueError`, `PydanticCustomError` or failing an `assert`,
`model_config`'s `extra` (`allow` too), `title`, `frozen`, `populate_by_name` and the string
options, `computed_field` (serialized, and documented in the response's schema only, so
that the model is filed as `Rect-Input` and `Rect-Output`), and validators
in `Annotated` (`AfterValidator`, `BeforeValidator`, `WrapValidator`, `PlainValidator`) — in one
file that runs unchanged under FastAPI (`uvicorn model_options:app` in `target/fastapi-venv`) and
in the lab component (its `main.py` includes `router`): `tests/all/python_models.rs` sends both
the same requests and compares their answers and the models' schemas."""

from functools import cached_property
from typing import Annotated

try:
    from fastapi import APIRouter, Body, FastAPI
    from pydantic import (
        AfterValidator,
        BaseModel,
        BeforeValidator,
        PlainValidator,
        WrapValidator,
        ConfigDict,
        Field,
        ValidationError,
        ValidationInfo,
        computed_field,
        field_validator,
        model_validator,
    )
    from pydantic_core import PydanticCustomError
except ImportError:
    from fastwasm import (
        AfterValidator,
        APIRouter,
        BaseModel,
        BeforeValidator,
        Body,
        PlainValidator,
        WrapValidator,
        ConfigDict,
        FastAPI,
        Field,
        PydanticCustomError,
        ValidationError,
        ValidationInfo,
        computed_field,
        field_validator,
        model_validator,
    )

router = APIRouter()


class Signup(BaseModel):
    """Field validators after and before validation, reading the fields validated before."""

    username: str
    password: str
    password2: str
    age: int = 18
    tags: list[str] = []

    @field_validator("username")
    @classmethod
    def normalised(cls, value: str) -> str:
        value = value.strip().lower()
        if not value.isalnum():
            raise ValueError("must be alphanumeric")
        return value

    @field_validator("password2")
    @classmethod
    def passwords_match(cls, value: str, info: ValidationInfo) -> str:
        if "password" in info.data and value != info.data["password"]:
            raise ValueError("passwords do not match")
        return value

    @field_validator("age")
    @classmethod
    def adult(cls, value: int) -> int:
        assert value >= 18, "must be an adult"
        return value

    @field_validator("tags", mode="before")
    @classmethod
    def split(cls, value):
        return value.split(",") if isinstance(value, str) else value


@router.post("/models/signup")
def signup(user: Signup):
    return user


class Name(BaseModel):
    """One validator for several fields, naming the field it validates."""

    first: str
    last: str
    nick: str | None = None

    @field_validator("first", "last")
    @classmethod
    def titled(cls, value: str, info: ValidationInfo) -> str:
        return f"{info.field_name}={value.title()}"


@router.post("/models/name")
def name(name: Name):
    return name


class Reading(BaseModel):
    """A wrap validator catching what the validation it wraps raises; a plain one."""

    value: int
    unit: str = "M"

    @field_validator("value", mode="wrap")
    @classmethod
    def kilo(cls, value, handler):
        try:
            return handler(value)
        except ValidationError:
            if isinstance(value, str) and value.endswith("k"):
                return handler(value[:-1]) * 1000
            raise

    @field_validator("unit", mode="plain")
    @classmethod
    def upper(cls, value) -> str:
        return str(value).upper()


@router.post("/models/reading")
def reading(reading: Reading):
    return reading


class Window(BaseModel):
    """Model validators: before reshaping the input, after checking the fields together."""

    start: int
    end: int

    @model_validator(mode="before")
    @classmethod
    def from_text(cls, data):
        if isinstance(data, str):
            start, _, end = data.partition("-")
            return {"start": start, "end": end}
        if isinstance(data, dict) and "bad" in data:
            raise ValueError("no bad windows")
        return data

    @model_validator(mode="after")
    def ordered(self):
        if self.end < self.start:
            raise ValueError("end before start")
        return self

    @model_validator(mode="after")
    def short(self):
        assert self.end - self.start <= 10, "too long"
        return self


@router.post("/models/window")
def window(window: Window):
    return window


class Envelope(BaseModel):
    """A wrap model validator: a default for a failing size, or the errors as they were."""

    kind: str
    size: int

    @model_validator(mode="wrap")
    @classmethod
    def sized(cls, data, handler):
        try:
            return handler(data)
        except ValidationError:
            if isinstance(data, dict) and "kind" in data:
                return handler({**data, "size": 0})
            raise


@router.post("/models/envelope")
def envelope(envelope: Envelope):
    return envelope


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", title="A strict thing")

    name: str
    count: int = 1


class Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str


@router.post("/models/strict")
def strict(strict: Strict):
    return strict


@router.post("/models/loose")
def loose(loose: Loose):
    return loose


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    size: int = 0


@router.post("/models/frozen")
def frozen(item: Frozen):
    try:
        item.name = "changed"
        raised = None
    except ValidationError as err:
        raised = [(error["type"], error["loc"], error["msg"]) for error in err.errors()]
    return {"name": item.name, "raised": raised, "hashable": hash(item) == hash(Frozen(**dict(item)))}


class Person(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    full_name: str = Field(alias="fullName")
    age: int = 0


@router.post("/models/person")
def person(person: Person):
    return {"person": person, "full_name": person.full_name}


class Trimmed(BaseModel):
    """One validator for every field, by `"*"`."""

    name: str
    city: str = "nowhere"
    visits: int = 0

    @field_validator("*", mode="before")
    @classmethod
    def stripped(cls, value):
        return value.strip() if isinstance(value, str) else value


@router.post("/models/trimmed")
def trimmed(item: Trimmed):
    return item


def even(value: int) -> int:
    if value % 2:
        raise ValueError("must be even")
    return value


def comma_list(value):
    return value.split(",") if isinstance(value, str) else value


def doubled(value, handler):
    try:
        return handler(value) * 2
    except ValidationError:
        if value == "many":
            return 1000
        raise


class Annotations(BaseModel):
    """Validators in `Annotated`: after, before, wrap and plain, beside a constraint and
    inside a list."""

    count: Annotated[int, AfterValidator(even)]
    tags: Annotated[list[str], BeforeValidator(comma_list)] = []
    score: Annotated[int, WrapValidator(doubled)] = 0
    label: Annotated[str, PlainValidator(lambda value: f"<{value}>")] = "none"
    small: Annotated[int, Field(le=10), AfterValidator(even)] = 0
    codes: list[Annotated[str, AfterValidator(str.upper)]] = []


@router.post("/models/annotated")
def annotated(item: Annotations):
    return item


@router.post("/models/annotated-body")
def annotated_body(n: Annotated[int, Body(embed=True), AfterValidator(even)]):
    return {"n": n}


class Fruit(BaseModel):
    name: str
    count: int = 0

    @field_validator("name")
    @classmethod
    def known(cls, name: str) -> str:
        if name not in ("apple", "pear"):
            raise PydanticCustomError(
                "not_a_fruit", "{name} is not a fruit, try {other}", {"name": name, "other": "apple"}
            )
        return name

    @field_validator("count")
    @classmethod
    def counted(cls, count: int) -> int:
        if count < 0:
            raise PydanticCustomError("negative", "a count cannot be negative")
        return count


@router.post("/models/fruit")
def fruit(fruit: Fruit):
    return fruit


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    size: int = 1


@router.post("/models/open")
def open_model(item: Open):
    item.seen = True
    return {"item": item, "extra": item.model_extra, "set": sorted(item.model_fields_set)}


class Tidy(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, str_to_lower=True)

    name: str = Field(min_length=2)
    tags: list[str] = []
    note: Name | None = None


@router.post("/models/tidy")
def tidy(item: Tidy):
    return item


@router.post("/models/open-response", response_model=Open)
def open_response(item: Open):
    return {"name": item.name, "added": [1, 2]}


class Rect(BaseModel):
    model_config = ConfigDict(extra="forbid")

    w: float
    h: float = 1

    @computed_field(alias="theArea", description="w times h")
    @property
    def area(self) -> float:
        return self.w * self.h

    @computed_field
    @cached_property
    def label(self) -> str | None:
        """What the rectangle is called, when it is a square."""
        return "square" if self.w == self.h else None


@router.post("/models/rect")
def rect(item: Rect):
    return item


@router.post("/models/rect-response", response_model=Rect)
def rect_response(item: Rect):
    return {"w": item.w * 2, "h": item.h}


@router.post("/models/rect-model", response_model=Rect, response_model_exclude_none=True)
def rect_model(item: Rect):
    return item


app = FastAPI()
app.include_router(router)
