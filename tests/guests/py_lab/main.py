"""py_lab: every feature of the Python SDK, for `tests/all/python.rs`.

Apart from the providers and the sleeps, this is FastAPI code with fastwasm imports: the
answers the tests expect were captured by running the same code under FastAPI.

Dependencies print `<event> rid=<request id>` lines, which the host logs as the guest's
stdout, so the tests can read what ran and in which order.
"""

import asyncio
import time
from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import Annotated, NotRequired, TypedDict

import fastwasm
import app_metadata
import error_handlers
import background
import error_order
import extra_types
import param_models
import form_fields
import model_options
import param_options
from fastwasm import (
    APIRouter,
    BaseModel,
    Body,
    Cookie,
    Depends,
    FastAPI,
    Field,
    Header,
    HTMLResponse,
    HTTPException,
    JSONResponse,
    Path,
    PlainTextResponse,
    Query,
    Request,
    Response,
    Security,
    httpx,
    status,
)
from fastwasm.security import (
    APIKeyHeader,
    HTTPAuthorizationCredentials,
    HTTPBearer,
    OAuth2PasswordBearer,
    SecurityScopes,
)

# FastAPI keywords given with their defaults change nothing, and are accepted; the metadata
# tutorials' keywords go into the document (see `app_metadata.py`).
app = FastAPI(**app_metadata.METADATA, docs_url="/docs", redirect_slashes=True, debug=False)
# The parameter options section, shared with FastAPI (see `param_options.py`).
app.include_router(param_options.router)
# Forms and files, shared with FastAPI (see `form_fields.py`).
app.include_router(form_fields.router)
# Exception handlers, shared with FastAPI (see `error_handlers.py`).
app.include_router(error_handlers.router)
error_handlers.add_handlers(app)
# pydantic model options, shared with FastAPI (see `model_options.py`).
app.include_router(model_options.router)
# The order of errors, and one 422 for all of them, shared with FastAPI (see `error_order.py`).
app.include_router(error_order.router)
# Parameter models, shared with FastAPI (see `param_models.py`).
app.include_router(param_models.router)
# Background tasks, shared with FastAPI (see `background.py`).
app.include_router(background.router)
# Dates, durations, decimals, bytes and URLs, shared with FastAPI (see `extra_types.py`).
app.include_router(extra_types.router)


# --- Parameters: the host validates them against the schemas the SDK declares. ------------


class Color(str, Enum):
    red = "red"
    green = "green"
    blue = "blue"


class Level(IntEnum):
    low = 1
    high = 2


@app.get("/params/path/{item_id}")
def path_param(item_id: Annotated[int, Path(ge=1, le=1000, description="The item")]):
    return {"item_id": item_id}


@app.get("/params/ratio/{ratio}")
def float_path_param(ratio: Annotated[float, Path(gt=0, lt=1)]):
    return {"ratio": ratio}


@app.get("/params/query")
def query_params(
    q: str | None = None,
    skip: int = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    short: bool = False,
    color: Color = Color.red,
    level: Level = Level.low,
    tags: Annotated[list[str], Query()] = [],
    ids: Annotated[list[int] | None, Query(alias="id")] = None,
    name: Annotated[str | None, Query(min_length=3, max_length=8, pattern="^[a-z]+$")] = None,
    price: Annotated[float | None, Query(gt=0.5)] = None,
):
    return {
        "q": q,
        "skip": skip,
        "limit": limit,
        "short": short,
        "color": color,
        "level": level,
        "tags": tags,
        "ids": ids,
        "name": name,
        "price": price,
    }


@app.get("/params/required")
def required_params(needed: str, count: int):
    return {"needed": needed, "count": count}


@app.get("/params/headers")
def header_params(
    user_agent: Annotated[str | None, Header()] = None,
    x_token: Annotated[list[str] | None, Header()] = None,
    strange_header: Annotated[str | None, Header(convert_underscores=False)] = None,
    x_count: Annotated[int, Header(ge=0)] = 0,
):
    return {
        "user_agent": user_agent,
        "x_token": x_token,
        "strange_header": strange_header,
        "x_count": x_count,
    }


@app.get("/params/required-header")
def required_header(x_key: Annotated[str, Header()]):
    return {"x_key": x_key}


@app.get("/params/cookies")
def cookie_params(
    session_id: Annotated[str | None, Cookie()] = None,
    visits: Annotated[int, Cookie(ge=0)] = 0,
):
    return {"session_id": session_id, "visits": visits}


@app.get("/files/{file_path:path}")
def read_file(file_path: str):
    return {"file_path": file_path}


# --- Bodies: validated by the SDK, with pydantic's errors. ---------------------------------


class Image(BaseModel):
    url: str
    name: str


class Item(BaseModel):
    name: str
    description: str | None = Field(default=None, max_length=20)
    price: float = Field(gt=0)
    tax: float | None = None
    tags: list[str] = []
    images: list[Image] | None = None


class User(BaseModel):
    username: str
    full_name: str | None = None


@dataclass
class Point:
    x: int
    y: int
    label: str = "origin"


class Address(TypedDict):
    street: str
    city: str
    zip: NotRequired[str]


@app.post("/bodies/model", status_code=201)
def create_item(item: Item):
    return item


@app.post("/bodies/dataclass")
def dataclass_body(point: Point):
    return {"point": point, "sum": point.x + point.y}


@app.post("/bodies/typed-dict")
def typed_dict_body(address: Address):
    return {"address": address, "keys": sorted(address)}


@app.put("/bodies/items/{item_id}")
async def update_item(
    item_id: int,
    item: Item,
    user: User,
    importance: Annotated[int, Body(gt=0)],
    q: str | None = None,
):
    return {"item_id": item_id, "item": item, "user": user, "importance": importance, "q": q}


@app.post("/bodies/embed")
def embedded_body(item: Annotated[Item, Body(embed=True)]):
    return {"item": item}


@app.post("/bodies/optional")
def optional_body(item: Item | None = None):
    return {"item": item}


@app.post("/bodies/list")
def list_body(items: list[Item]):
    return {"names": [item.name for item in items]}


# --- Responses: status codes, response models, response classes. ---------------------------


class UserIn(BaseModel):
    username: str
    password: str
    email: str | None = None
    full_name: str | None = None


class UserOut(BaseModel):
    username: str
    email: str | None = None
    full_name: str | None = None


@app.post("/responses/user", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def create_user(user: UserIn):
    return user


@app.get("/responses/annotated")
def annotated_response() -> UserOut:
    return {"username": "ann", "password": "secret", "full_name": "Ann Notated"}


@app.get("/responses/exclude-unset", response_model=Item, response_model_exclude_unset=True)
def exclude_unset():
    return {"name": "Foo", "price": 50.2}


@app.delete("/responses/items/{item_id}", status_code=204)
def delete_item(item_id: int):
    return None


@app.get("/responses/text", response_class=PlainTextResponse)
def text_response():
    return "plain text"


@app.get("/responses/html", response_class=HTMLResponse)
def html_response():
    return "<h1>Hello</h1>"


@app.get("/responses/json")
def json_response():
    return JSONResponse({"message": "custom"}, status_code=202, headers={"x-custom": "yes"})


@app.get("/responses/raw")
def raw_response():
    return Response(content=b"raw bytes", media_type="application/octet-stream")


@app.get("/responses/cookie")
def cookie_response(response: Response):
    response.set_cookie("flavor", "chocolate")
    response.headers["x-extra"] = "1"
    response.status_code = 202
    return {"ok": True}


@app.get("/responses/broken", response_model=UserOut)
def broken_response():
    return {"nope": 1}


# --- Errors. ------------------------------------------------------------------------------


@app.get("/errors/items/{item_id}")
def read_item_or_404(item_id: str):
    if item_id != "foo":
        raise HTTPException(
            status_code=404, detail="Item not found", headers={"X-Error": "There goes my error"}
        )
    return {"item": "The Foo Wrestlers"}


@app.get("/errors/detail")
def structured_detail():
    raise HTTPException(status.HTTP_418_IM_A_TEAPOT, detail={"reason": "teapot", "codes": [1, 2]})


@app.get("/errors/default")
def default_detail():
    raise HTTPException(status_code=403)


@app.get("/errors/crash")
def crash():
    raise ValueError("a bug")


# --- The request. -------------------------------------------------------------------------


@app.post("/request/echo/{kind}")
async def echo(kind: str, request: Request):
    body = await request.body()
    return {
        "method": request.method,
        "path": request.url.path,
        "query": dict(request.query_params),
        "all_x": request.query_params.getlist("x"),
        "path_params": request.path_params,
        "header": request.headers.get("x-thing"),
        "cookies": request.cookies,
        "body": body.decode(),
        "kind": kind,
    }


# --- Dependencies, solved by the SDK as FastAPI solves them. ------------------------------


def request_id(x_request_id: Annotated[str, Header()] = "none") -> str:
    print(f"provide request-id rid={x_request_id}")
    return x_request_id


def db(rid: Annotated[str, Depends(request_id)]):
    print(f"open db rid={rid}")
    try:
        yield {"rid": rid}
    finally:
        print(f"close db rid={rid}")


async def cache(rid: Annotated[str, Depends(request_id)]):
    print(f"open cache rid={rid}")
    yield "cache"
    print(f"close cache rid={rid}")


async def current_user(
    authorization: Annotated[str | None, Header()] = None,
    session: dict = Depends(db),
):
    print(f"provide current-user rid={session['rid']}")
    if authorization != "Bearer alice":
        raise HTTPException(
            status_code=401, detail="Not authenticated", headers={"WWW-Authenticate": "Bearer"}
        )
    return {"username": "alice"}


class CommonQueryParams:
    def __init__(self, q: str | None = None, skip: int = 0, limit: int = 100):
        self.q = q
        self.skip = skip
        self.limit = limit


@app.get("/deps/items")
async def dependent_items(
    commons: Annotated[CommonQueryParams, Depends()],
    user: Annotated[dict, Depends(current_user)],
    store: Annotated[str, Depends(cache)],
    rid: Annotated[str, Depends(request_id)],
):
    print(f"handler dependent_items rid={rid}")
    return {
        "q": commons.q,
        "skip": commons.skip,
        "limit": commons.limit,
        "user": user,
        "store": store,
    }


@app.get("/deps/sync")
def sync_dependencies(
    session: Annotated[dict, Depends(db)], rid: Annotated[str, Depends(request_id)]
):
    print(f"handler sync_dependencies rid={rid}")
    return {"session": session}


def tally() -> list:
    return []


def counter(calls: Annotated[list, Depends(tally)]) -> int:
    calls.append(1)
    return len(calls)


@app.get("/deps/fresh")
def fresh(
    first: Annotated[int, Depends(counter)],
    again: Annotated[int, Depends(counter)],
    fresh: Annotated[int, Depends(counter, use_cache=False)],
):
    return {"first": first, "again": again, "fresh": fresh}


def transaction(rid: Annotated[str, Depends(request_id)]):
    print(f"begin rid={rid}")
    try:
        yield
    except HTTPException as exc:
        print(f"rollback {exc.status_code} rid={rid}")
        raise
    else:
        print(f"commit rid={rid}")


@app.post("/deps/transactions", dependencies=[Depends(transaction)])
def run_transaction(fail: bool = False):
    if fail:
        raise HTTPException(status_code=409, detail="Conflict")
    return {"done": True}


def shared_skip(skip: int = 0) -> int:
    return skip


@app.get("/deps/shared-param")
def shared_param(from_dependency: Annotated[int, Depends(shared_skip)], skip: int = 5):
    return {"from_dependency": from_dependency, "skip": skip}


async def verify_key(x_key: Annotated[str, Header()]):
    if x_key != "fake-super-secret-key":
        raise HTTPException(status_code=400, detail="X-Key header invalid")


router = APIRouter(prefix="/router", tags=["router"], dependencies=[Depends(verify_key)])


@router.get("/items/{item_id}")
async def router_item(item_id: str):
    return {"item_id": item_id}


app.include_router(router)
app.include_router(router, prefix="/v2")


# --- Waiting: async operations wait together; sync ones hold a thread. --------------------


@app.get("/async/sleep")
async def async_sleep(ms: int = 500):
    await fastwasm.sleep(ms / 1000)
    return {"slept_ms": ms}


@app.get("/async/gather")
async def async_gather():
    first, second = await asyncio.gather(fastwasm.sleep(0.3, "a"), fastwasm.sleep(0.3, "b"))
    return {"results": [first, second]}


@app.get("/async/asyncio-sleep")
async def asyncio_sleep(ms: int = 200):
    await asyncio.sleep(ms / 1000)
    return {"slept_ms": ms}


@app.get("/sync/sleep")
def sync_sleep(ms: int = 100):
    time.sleep(ms / 1000)
    return {"slept_ms": ms}


@app.get("/log")
def log_line(message: str = "hello from python"):
    fastwasm.log(message, "warn")
    return {"logged": message}


# --- Security: FastAPI's schemes, reading the request in the component. ------------------
# `security_twin.py` is this section under FastAPI: `tests/all/openapi_security.rs` compares
# its OpenAPI document and its answers with these.

bearer = HTTPBearer()
optional_bearer = HTTPBearer(
    bearerFormat="JWT", scheme_name="OptionalBearer", description="A JWT, if any", auto_error=False
)
oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="token", scopes={"me": "Read yourself", "items": "Read items"}
)
api_key = APIKeyHeader(name="X-API-Key")


@app.get("/security/bearer")
def security_bearer(credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]):
    return {"scheme": credentials.scheme, "credentials": credentials.credentials}


@app.get("/security/optional")
async def security_optional(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(optional_bearer)],
):
    return {"credentials": credentials.credentials if credentials else None}


@app.get("/security/token")
async def security_token(token: Annotated[str, Depends(oauth2_scheme)]):
    return {"token": token}


def scoped_user(
    security_scopes: SecurityScopes, token: Annotated[str, Security(oauth2_scheme, scopes=["me"])]
):
    return {"token": token, "scopes": security_scopes.scopes}


@app.get("/security/scopes")
def security_scopes(user: Annotated[dict, Security(scoped_user, scopes=["items"])]):
    return user


@app.get("/security/key", dependencies=[Depends(api_key)])
def security_key():
    return {"ok": True}


@app.get("/security/both")
async def security_both(
    key: Annotated[str, Depends(api_key)],
    credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)],
    q: int = 0,
):
    return {"key": key, "credentials": credentials.credentials, "q": q}


# --- Providers exported to the host, used by name with `Depends("...")`. ------------------


class LabUser(BaseModel):
    name: str
    admin: bool = False


@app.provider("lab-user")
async def lab_user(x_user: Annotated[str | None, Header()] = None) -> LabUser:
    """The caller, from `X-User`."""
    if x_user is None:
        raise HTTPException(
            status_code=401, detail="Who are you?", headers={"WWW-Authenticate": "X-User"}
        )
    print(f"provide lab-user rid={x_user}")
    return LabUser(name=x_user, admin=x_user == "root")


@app.provider("lab-session")
def lab_session(user: Annotated[LabUser, Depends("lab-user")]):
    print(f"open lab-session rid={user.name}")
    yield {"user": user.name, "id": 7}
    print(f"close lab-session rid={user.name}")


@app.get("/host-deps/me")
async def host_dependencies(
    user: Annotated[LabUser, Depends("lab-user")],
    session: Annotated[dict, Depends("lab-session")],
):
    print(f"handler host_dependencies rid={user.name}")
    return {"user": user, "admin": user.admin, "session": session}


@app.get("/outbound/call")
async def outbound_call(url: str):
    """One call with `AsyncClient`; a failed call answers with the exception's name."""
    try:
        async with httpx.AsyncClient() as client:
            r = await client.get(url, headers={"x-guest": "python-async"})
    except httpx.RequestError as exc:
        return {"error": type(exc).__name__, "message": str(exc)}
    return {"status": r.status_code, "content_type": r.headers.get("content-type"), "body": r.text}


@app.get("/outbound/call-sync")
def outbound_call_sync(url: str):
    """One call with `Client`, from a `def` operation."""
    try:
        r = httpx.get(url, headers={"x-guest": "python-sync"})
    except httpx.RequestError as exc:
        return {"error": type(exc).__name__, "message": str(exc)}
    return {"status": r.status_code, "content_type": r.headers.get("content-type"), "body": r.text}


@app.get("/outbound/raise")
async def outbound_raise(url: str):
    """`raise_for_status` on an error answer becomes `HTTPStatusError`."""
    async with httpx.AsyncClient() as client:
        r = await client.get(url)
    try:
        r.raise_for_status()
    except httpx.HTTPStatusError as exc:
        return {"error": "HTTPStatusError", "status": exc.response.status_code, "message": str(exc)}
    return {"status": r.status_code}


# --- A `def` operation behind `async def` dependencies (FastAPI's most common mixed shape) ---


async def lab_current_user(x_user: Annotated[str | None, Header()] = None):
    """Awaits the host (a real suspension), then answers 401 or the user."""
    await asyncio.sleep(0.01)
    if x_user is None:
        raise HTTPException(status_code=401, detail="Not authenticated")
    return {"name": x_user}


async def lab_session():
    yield {"opened": True}


@app.get("/mixed/me")
def mixed_me(user=Depends(lab_current_user), session=Depends(lab_session)):
    """A `def` body: it blocks its own thread while the dependencies above it awaited."""
    time.sleep(0.05)
    return {"user": user, "session": session}
