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
