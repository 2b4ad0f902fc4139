"""pydantic-compatible models: the options beyond FastAPI's own code."""

from fastwasm import BaseModel, ConfigDict


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str
    size: int = 1


def test_extra_allow_keeps_the_other_keys_after_the_fields():
    item = Open(name="a", color="red", size=2)
    assert item.color == "red"
    assert item.model_extra == {"color": "red"}
    assert item.model_dump() == {"name": "a", "size": 2, "color": "red"}
    assert item.model_fields_set == {"name", "size", "color"}
    assert repr(item) == "Open(name='a', size=2, color='red')"
    item.seen = True
    assert item.model_dump()["seen"] is True


def test_extra_allow_is_documented_as_additional_properties():
    assert Open.model_json_schema()["additionalProperties"] is True


def test_other_models_have_no_extra():
    class Closed(BaseModel):
        name: str

    assert Closed(name="x", z=1).model_extra is None


def test_string_options_apply_to_the_models_own_strings_before_their_constraints():
    import pytest

    from fastwasm import Field, ValidationError

    class Inner(BaseModel):
        v: str

    class Tidy(BaseModel):
        model_config = ConfigDict(str_strip_whitespace=True, str_to_upper=True)

        name: str = Field(min_length=2)
        tags: list[str] = []
        inner: Inner | None = None

    tidy = Tidy(name="  ab ", tags=[" x "], inner={"v": " y "})
    assert (tidy.name, tidy.tags, tidy.inner.v) == ("AB", ["X"], " y ")
    with pytest.raises(ValidationError) as raised:
        Tidy(name=" a ")
    assert raised.value.errors()[0]["type"] == "string_too_short"
    assert raised.value.errors()[0]["input"] == " a "


def test_email_str_is_checked_and_normalised_by_email_validator():
    import pytest

    from fastwasm import EmailStr, ValidationError

    class User(BaseModel):
        email: EmailStr

    assert User(email="Ada <ADA@Example.COM>").email == "ADA@example.com"
    with pytest.raises(ValidationError) as raised:
        User(email="not-an-email")
    (error,) = raised.value.errors()
    assert (error["type"], error["ctx"]) == (
        "value_error",
        {"reason": "An email address must have an @-sign."},
    )
    assert User.model_json_schema()["properties"]["email"] == {
        "type": "string",
        "format": "email",
        "title": "Email",
    }


def test_a_decimal_is_a_number_or_a_string_going_in_and_a_string_coming_out():
    import decimal

    import pydantic

    from fastwasm import Field

    class Price(BaseModel):
        amount: decimal.Decimal = Field(ge=0)
        note: str | None = None

    class TheirPrice(pydantic.BaseModel):
        amount: decimal.Decimal = pydantic.Field(ge=0)
        note: str | None = None

    for mode in ("validation", "serialization"):
        theirs = TheirPrice.model_json_schema(mode=mode)
        theirs["title"] = "Price"
        assert Price.model_json_schema(mode=mode) == theirs, mode


def _rect_model(module):
    """The same model, written against pydantic or the SDK."""
    from functools import cached_property

    class Tag(module.BaseModel):
        name: str

    class Rect(module.BaseModel):
        model_config = module.ConfigDict(extra="allow")
        w: float
        h: float = 2.0

        @module.computed_field(alias="theArea", description="w times h", examples=[4])
        @property
        def area(self) -> float:
            return self.w * self.h

        @module.computed_field
        @cached_property
        def label(self) -> str | None:
            """The label."""
            return None

        @module.computed_field
        def tag(self) -> Tag:
            return Tag(name="t")

        @module.computed_field(repr=False)
        @property
        def hidden(self) -> int:
            return 1

    return Rect


def test_computed_fields_are_dumped_and_documented_as_pydantic_does():
    import pydantic

    import fastwasm

    theirs, ours = _rect_model(pydantic), _rect_model(fastwasm)
    a, b = theirs(w=3, x=9), ours(w=3, x=9)
    for options in (
        {},
        {"by_alias": True},
        {"exclude_unset": True},
        {"exclude_none": True},
        {"exclude": {"area"}},
        {"include": {"w", "label"}},
        {"mode": "json"},
    ):
        assert b.model_dump(**options) == a.model_dump(**options), options
    assert repr(b) == repr(a)
    for mode in ("validation", "serialization"):
        assert ours.model_json_schema(mode=mode) == theirs.model_json_schema(mode=mode), mode


def test_a_computed_field_without_a_return_type_fails_the_build():
    import pytest

    from fastwasm import computed_field
    from fastwasm.exceptions import DeclarationError

    with pytest.raises(DeclarationError, match="needs a return annotation"):

        class Bad(BaseModel):
            @computed_field
            @property
            def area(self):
                return 1
