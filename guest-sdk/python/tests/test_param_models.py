"""Parameter models: a model's fields are parameters; the model is built from those that came."""

import json
from typing import Annotated

from fastwasm import BaseModel, Cookie, FastAPI, Field, Query
from fastwasm.exceptions import DeclarationError, RequestValidationError

import pytest

from support import invalid, missing, serve


class Filter(BaseModel):
    model_config = {"extra": "forbid"}

    limit: int = Field(10, le=100)
    tags: list[str] = []


class Session(BaseModel):
    session_id: str


app = FastAPI()


@app.get("/items")
def items(filter: Annotated[Filter, Query()]):
    return filter


@app.get("/me")
def me(session: Annotated[Session, Cookie()]):
    return session


def test_each_field_is_declared_as_a_parameter_of_the_models_location():
    route = app.operations["items"]
    assert [(param.name, param.location.value) for param in route.params] == [
        ("limit", "query"),
        ("tags", "query"),
    ]
    assert route.params[0].schema["maximum"] == 100


def test_the_model_is_built_from_the_fields_that_came():
    answer = serve(app, "GET", "/items", query="tags=a", params={"limit": 10, "tags": ["a"]})
    assert json.loads(answer.body) == {"limit": 10, "tags": ["a"]}


def test_an_unknown_name_is_forbidden_after_the_fields_errors():
    error = {"type": "less_than_equal", "loc": ["query", "limit"], "msg": "m", "input": "101"}
    answer = serve(
        app,
        "GET",
        "/items",
        query="limit=101&tool=x&tool=y",
        params={"tags": []},
        invalid_params=[invalid("limit", error)],
    )
    assert isinstance(answer, RequestValidationError)
    assert [(error["type"], error["input"]) for error in answer.errors()] == [
        ("less_than_equal", "101"),
        ("extra_forbidden", ["x", "y"]),
    ]


def test_a_missing_field_reports_what_the_model_was_given():
    answer = serve(app, "GET", "/me", invalid_params=[invalid("session_id", missing("cookie", "session_id"))])
    assert isinstance(answer, RequestValidationError)
    assert answer.errors()[0]["input"] == {}


def test_a_model_of_path_parameters_fails_the_declaration():
    other = FastAPI()
    with pytest.raises(DeclarationError, match="a model of path parameters is not supported"):
        from fastwasm import Path

        @other.get("/items/{limit}")
        def read(filter: Annotated[Filter, Path()]):
            return filter
