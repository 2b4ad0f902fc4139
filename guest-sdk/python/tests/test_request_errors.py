"""The order of a request's errors, and the one 422 that lists them, as FastAPI solves a request:
dependencies in declaration order, one whose parameters failed skipped and the rest still run;
then the operation's path, query, header and cookie parameters; then its body."""

from typing import Annotated

from fastwasm import BaseModel, Depends, FastAPI, Header, HTTPException, Query
from fastwasm.exceptions import RequestValidationError

from support import invalid, missing, serve

calls: list[str] = []


class Item(BaseModel):
    name: str


def paging(offset: Annotated[int, Query(ge=0)] = 0):
    calls.append("paging")
    return offset


def token(x_token: Annotated[str | None, Header()] = None):
    calls.append("token")
    if x_token is None:
        raise HTTPException(status_code=401, detail="Not authenticated")
    return x_token


app = FastAPI()


@app.get("/later")
def later(page: Annotated[int, Depends(paging)], user: Annotated[str, Depends(token)]):
    return {"page": page, "user": user}


@app.post("/items/{item_id}")
def create(
    x_level: Annotated[int, Header()], q: int, item_id: int, item: Item,
    page: Annotated[int, Depends(paging)],
):
    return {"item_id": item_id}


OFFSET = {"type": "greater_than_equal", "loc": ["query", "offset"], "msg": "m", "input": "-1"}


def test_a_later_dependency_raises_over_an_earlier_ones_invalid_parameter():
    calls.clear()
    answer = serve(app, "GET", "/later", invalid_params=[invalid("offset", OFFSET)])
    assert isinstance(answer, HTTPException) and answer.status_code == 401
    # `paging` was skipped; `token` ran.
    assert calls == ["token"]


def test_an_invalid_parameter_is_a_422_once_the_dependencies_ran():
    calls.clear()
    answer = serve(
        app, "GET", "/later", params={"x_token": "t"}, invalid_params=[invalid("offset", OFFSET)]
    )
    assert isinstance(answer, RequestValidationError)
    assert answer.errors() == [{**OFFSET, "loc": ("query", "offset")}]
    assert calls == ["token"]


def test_one_422_lists_dependencies_then_path_query_header_then_the_body():
    answer = serve(
        app,
        "POST",
        "/items/{item_id}",
        invalid_params=[
            invalid("x_level", missing("header", "x-level")),
            invalid("q", missing("query", "q")),
            invalid("item_id", missing("path", "item_id")),
            invalid("offset", OFFSET),
        ],
        body=b'{"name": 1}',
    )
    assert isinstance(answer, RequestValidationError)
    assert [error["loc"] for error in answer.errors()] == [
        ("query", "offset"),
        ("path", "item_id"),
        ("query", "q"),
        ("header", "x-level"),
        ("body", "name"),
    ]
    assert answer.body == {"name": 1}


def test_the_providers_errors_come_first():
    skipped = missing("header", "x-rid")
    answer = serve(
        app,
        "POST",
        "/items/{item_id}",
        params={"x_level": 1, "q": 2, "item_id": 3},
        provider_errors=[skipped],
        body=b'{"name": "pen"}',
    )
    assert isinstance(answer, RequestValidationError)
    assert answer.errors() == [{**skipped, "loc": ("header", "x-rid")}]


def test_a_body_that_is_not_json_is_answered_alone():
    answer = serve(
        app,
        "POST",
        "/items/{item_id}",
        invalid_params=[invalid("q", missing("query", "q"))],
        body=b'{"name": ',
    )
    assert isinstance(answer, RequestValidationError)
    assert [error["type"] for error in answer.errors()] == ["json_invalid"]
    assert answer.body == '{"name": '


def test_valid_parameters_and_body_call_the_operation():
    answer = serve(
        app,
        "POST",
        "/items/{item_id}",
        params={"x_level": 1, "q": 2, "item_id": 3},
        body=b'{"name": "pen"}',
    )
    assert (answer.status_code, answer.body) == (200, b'{"item_id":3}')


def test_str_lists_the_errors_as_fastapi_does():
    error = RequestValidationError([missing("query", "q")])
    assert str(error) == (
        "1 validation error:\n  {'type': 'missing', 'loc': ('query', 'q'), "
        "'msg': 'Field required', 'input': None}"
    )


def test_a_pydantic_custom_error_is_the_error_as_given():
    from fastwasm import PydanticCustomError, field_validator

    class Fruit(BaseModel):
        name: str

        @field_validator("name")
        @classmethod
        def known(cls, name: str) -> str:
            raise PydanticCustomError("not_a_fruit", "{name} is no fruit", {"name": name})

    fruits = FastAPI()

    @fruits.post("/fruit")
    def fruit(fruit: Fruit):
        return fruit

    answer = serve(fruits, "POST", "/fruit", body=b'{"name": "rock"}')
    assert isinstance(answer, RequestValidationError)
    assert answer.errors() == [
        {
            "type": "not_a_fruit",
            "loc": ("body", "name"),
            "msg": "rock is no fruit",
            "input": "rock",
            "ctx": {"name": "rock"},
        }
    ]
