"""FastAPI's security dependencies (`fastapi.security`): callables that read the credentials
from the request inside the component, and document themselves in the OpenAPI document.

```python
from fastwasm.security import HTTPAuthorizationCredentials, HTTPBearer

bearer = HTTPBearer()

@app.get("/users/me")
def me(credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]):
    return {"scheme": credentials.scheme, "credentials": credentials.credentials}
```

Each scheme is a dependency taking the `Request`: the host declares no parameter for the
header it reads (FastAPI lists none either), and the operation's OpenAPI fragment names the
scheme in `securitySchemes` (under `scheme_name`, else the class name) and in `security`, with
the scopes of the `Security(...)` uses above it. A missing or malformed credential raises
FastAPI's 401 `{"detail": "Not authenticated"}` with its `WWW-Authenticate` header, or gives
`None` with `auto_error=False`.

`model` is the OpenAPI Security Scheme Object, as a dict, where FastAPI has a pydantic model."""

from __future__ import annotations

import binascii
from base64 import b64decode
from typing import Annotated, Any

from .exceptions import HTTPException
from .pydantic.models import BaseModel
from .params import Form
from .requests import Request
from .status import HTTP_401_UNAUTHORIZED

__all__ = [
    "APIKeyCookie",
    "APIKeyHeader",
    "APIKeyQuery",
    "HTTPAuthorizationCredentials",
    "HTTPBasic",
    "HTTPBasicCredentials",
    "HTTPBearer",
    "HTTPDigest",
    "OAuth2",
    "OAuth2AuthorizationCodeBearer",
    "OAuth2PasswordBearer",
    "OpenIdConnect",
    "SecurityBase",
    "SecurityScopes",
    "get_authorization_scheme_param",
]


def get_authorization_scheme_param(authorization_header_value: str | None) -> tuple[str, str]:
    """`("Bearer", "abc")` from `Bearer abc`: split at the first space, as FastAPI splits it."""
    if not authorization_header_value:
        return "", ""
    scheme, _, param = authorization_header_value.partition(" ")
    return scheme, param.strip()


def _scheme_object(**fields: Any) -> dict[str, Any]:
    """A Security Scheme Object as FastAPI's document writes it: without the unset fields."""
    return {key: value for key, value in fields.items() if value is not None}


class SecurityBase:
    """What makes a dependency a security scheme of the OpenAPI document: its `model` (the
    Security Scheme Object) and `scheme_name` (its key in `components.securitySchemes`)."""

    model: dict[str, Any]
    scheme_name: str

    def openapi_scheme(self) -> dict[str, Any]:
        """The scheme as the document states it."""
        return dict(self.model)


def _not_authenticated(headers: dict[str, str]) -> HTTPException:
    return HTTPException(
        status_code=HTTP_401_UNAUTHORIZED, detail="Not authenticated", headers=headers
    )


# --- HTTP ------------------------------------------------------------------------------------


class HTTPBasicCredentials(BaseModel):
    """What `HTTPBasic` gives: the user name and password of `Authorization: Basic …`."""

    username: str
    password: str


class HTTPAuthorizationCredentials(BaseModel):
    """What `HTTPBearer` and `HTTPDigest` give: the `Authorization` header split at its first
    space, `scheme` (`Bearer`) and `credentials` (the token)."""

    scheme: str
    credentials: str


class HTTPBase(SecurityBase):
    """An HTTP authentication scheme (`type: http`) named by `scheme`."""

    def __init__(
        self,
        *,
        scheme: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = _scheme_object(type="http", description=description, scheme=scheme)
        self.scheme_name = scheme_name or self.__class__.__name__
        self.auto_error = auto_error

    def make_authenticate_headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": f"{self.model['scheme'].title()}"}

    def make_not_authenticated_error(self) -> HTTPException:
        return _not_authenticated(self.make_authenticate_headers())

    def __call__(self, request: Request) -> HTTPAuthorizationCredentials | None:
        return self.split_authorization(request)

    def split_authorization(
        self, request: Request, required_scheme: str | None = None
    ) -> HTTPAuthorizationCredentials | None:
        """The `Authorization` header as scheme and credentials, of `required_scheme` (any
        case) when one is given; a 401, or `None` without `auto_error`, when it is not so."""
        authorization = request.headers.get("Authorization")
        scheme, credentials = get_authorization_scheme_param(authorization)
        if not (authorization and scheme and credentials) or (
            required_scheme is not None and scheme.lower() != required_scheme
        ):
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)


class HTTPBasic(HTTPBase):
    """HTTP Basic authentication: gives `HTTPBasicCredentials`."""

    def __init__(
        self,
        *,
        scheme_name: str | None = None,
        realm: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = _scheme_object(type="http", description=description, scheme="basic")
        self.scheme_name = scheme_name or self.__class__.__name__
        self.realm = realm
        self.auto_error = auto_error

    def make_authenticate_headers(self) -> dict[str, str]:
        if self.realm:
            return {"WWW-Authenticate": f'Basic realm="{self.realm}"'}
        return {"WWW-Authenticate": "Basic"}

    def __call__(self, request: Request) -> HTTPBasicCredentials | None:  # type: ignore[override]
        authorization = request.headers.get("Authorization")
        scheme, param = get_authorization_scheme_param(authorization)
        if not authorization or scheme.lower() != "basic":
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        try:
            data = b64decode(param).decode("ascii")
        except (ValueError, UnicodeDecodeError, binascii.Error) as err:
            raise self.make_not_authenticated_error() from err
        username, separator, password = data.partition(":")
        if not separator:
            raise self.make_not_authenticated_error()
        return HTTPBasicCredentials(username=username, password=password)


class HTTPBearer(HTTPBase):
    """HTTP Bearer authentication: `Authorization: Bearer <token>` as
    `HTTPAuthorizationCredentials`."""

    def __init__(
        self,
        *,
        bearerFormat: str | None = None,  # noqa: N803 - FastAPI's name
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = _scheme_object(
            type="http", description=description, scheme="bearer", bearerFormat=bearerFormat
        )
        self.scheme_name = scheme_name or self.__class__.__name__
        self.auto_error = auto_error

    def __call__(self, request: Request) -> HTTPAuthorizationCredentials | None:
        return self.split_authorization(request, "bearer")


class HTTPDigest(HTTPBase):
    """HTTP Digest, documented only, as in FastAPI: gives the header split as
    `HTTPAuthorizationCredentials`, for a subclass to check."""

    def __init__(
        self,
        *,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(
            scheme="digest", scheme_name=scheme_name, description=description, auto_error=auto_error
        )

    def __call__(self, request: Request) -> HTTPAuthorizationCredentials | None:
        return self.split_authorization(request, "digest")


# --- API keys --------------------------------------------------------------------------------


class APIKeyBase(SecurityBase):
    """An API key (`type: apiKey`) in a query parameter, a header or a cookie."""

    #: Where the key is: `query`, `header` or `cookie`.
    location: str

    def __init__(
        self,
        *,
        name: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.auto_error = auto_error
        self.model = _scheme_object(type="apiKey", description=description, name=name)
        self.model["in"] = self.location
        self.scheme_name = scheme_name or self.__class__.__name__

    def make_not_authenticated_error(self) -> HTTPException:
        return _not_authenticated({"WWW-Authenticate": "APIKey"})

    def check_api_key(self, api_key: str | None) -> str | None:
        if not api_key:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return api_key


class APIKeyQuery(APIKeyBase):
    """An API key in the query parameter `name`."""

    location = "query"

    def __call__(self, request: Request) -> str | None:
        return self.check_api_key(request.query_params.get(self.model["name"]))


class APIKeyHeader(APIKeyBase):
    """An API key in the header `name`."""

    location = "header"

    def __call__(self, request: Request) -> str | None:
        return self.check_api_key(request.headers.get(self.model["name"]))


class APIKeyCookie(APIKeyBase):
    """An API key in the cookie `name`."""

    location = "cookie"

    def __call__(self, request: Request) -> str | None:
        return self.check_api_key(request.cookies.get(self.model["name"]))


# --- OAuth2 and OpenID Connect ---------------------------------------------------------------


def _flow(**fields: Any) -> dict[str, Any]:
    return _scheme_object(**fields)


class OAuth2(SecurityBase):
    """OAuth2 (`type: oauth2`) with `flows`, the OAuth Flows Object as a dict; gives the
    `Authorization` header whole."""

    def __init__(
        self,
        *,
        flows: dict[str, dict[str, Any]] | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        flows = {
            kind: _flow(**flow) for kind, flow in (flows or {}).items() if flow is not None
        }
        self.model = _scheme_object(type="oauth2", description=description, flows=flows)
        self.scheme_name = scheme_name or self.__class__.__name__
        self.auto_error = auto_error

    def make_not_authenticated_error(self) -> HTTPException:
        return _not_authenticated({"WWW-Authenticate": "Bearer"})

    def __call__(self, request: Request) -> str | None:
        authorization = request.headers.get("Authorization")
        if not authorization:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return authorization


class _OAuth2Bearer(OAuth2):
    def __call__(self, request: Request) -> str | None:
        authorization = request.headers.get("Authorization")
        scheme, param = get_authorization_scheme_param(authorization)
        if not authorization or scheme.lower() != "bearer":
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return param


class OAuth2PasswordBearer(_OAuth2Bearer):
    """OAuth2's password flow, with the token at `tokenUrl`: gives the bearer token of
    `Authorization: Bearer <token>`."""

    def __init__(
        self,
        tokenUrl: str,  # noqa: N803 - FastAPI's name
        scheme_name: str | None = None,
        scopes: dict[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
        refreshUrl: str | None = None,  # noqa: N803
    ) -> None:
        super().__init__(
            flows={
                "password": {"tokenUrl": tokenUrl, "refreshUrl": refreshUrl, "scopes": scopes or {}}
            },
            scheme_name=scheme_name,
            description=description,
            auto_error=auto_error,
        )


class OAuth2AuthorizationCodeBearer(_OAuth2Bearer):
    """OAuth2's authorization code flow: gives the bearer token."""

    def __init__(
        self,
        authorizationUrl: str,  # noqa: N803 - FastAPI's name
        tokenUrl: str,  # noqa: N803
        refreshUrl: str | None = None,  # noqa: N803
        scheme_name: str | None = None,
        scopes: dict[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(
            flows={
                "authorizationCode": {
                    "authorizationUrl": authorizationUrl,
                    "tokenUrl": tokenUrl,
                    "refreshUrl": refreshUrl,
                    "scopes": scopes or {},
                }
            },
            scheme_name=scheme_name,
            description=description,
            auto_error=auto_error,
        )


class OAuth2PasswordRequestForm:
    """The form of OAuth2's password flow, as a class dependency:
    `form_data: Annotated[OAuth2PasswordRequestForm, Depends()]` reads `username`, `password`,
    `scope` (split into `scopes`), and the optional `grant_type` (`password` when given),
    `client_id` and `client_secret` from an `application/x-www-form-urlencoded` body."""

    def __init__(
        self,
        *,
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        username: Annotated[str, Form()],
        password: Annotated[str, Form(json_schema_extra={"format": "password"})],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form(json_schema_extra={"format": "password"})] = None,
    ) -> None:
        self.grant_type = grant_type
        self.username = username
        self.password = password
        self.scopes = scope.split()
        self.client_id = client_id
        self.client_secret = client_secret


class OAuth2PasswordRequestFormStrict(OAuth2PasswordRequestForm):
    """`OAuth2PasswordRequestForm` with `grant_type` required, as the OAuth2 spec says."""

    def __init__(
        self,
        grant_type: Annotated[str, Form(pattern="^password$")],
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form()] = None,
    ) -> None:
        # FastAPI documents this form's secrets without `format: password`.
        super().__init__(
            grant_type=grant_type,
            username=username,
            password=password,
            scope=scope,
            client_id=client_id,
            client_secret=client_secret,
        )


class OpenIdConnect(SecurityBase):
    """OpenID Connect discovery at `openIdConnectUrl`: gives the `Authorization` header whole."""

    def __init__(
        self,
        *,
        openIdConnectUrl: str,  # noqa: N803 - FastAPI's name
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = _scheme_object(
            type="openIdConnect", description=description, openIdConnectUrl=openIdConnectUrl
        )
        self.scheme_name = scheme_name or self.__class__.__name__
        self.auto_error = auto_error

    def make_not_authenticated_error(self) -> HTTPException:
        return _not_authenticated({"WWW-Authenticate": "Bearer"})

    def __call__(self, request: Request) -> str | None:
        authorization = request.headers.get("Authorization")
        if not authorization:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return authorization


class SecurityScopes:
    """The scopes the `Security(...)` uses above a dependency require, for a dependency that
    takes a `SecurityScopes` argument: `scopes` (a list) and `scope_str` (space-separated)."""

    def __init__(self, scopes: list[str] | None = None) -> None:
        self.scopes: list[str] = scopes or []
        self.scope_str: str = " ".join(self.scopes)
