"""The security section of `main.py` under FastAPI, for `tests/all/openapi_security.rs`: the
same code with FastAPI's imports, whose OpenAPI document and answers the fastwasm lab's must
equal."""

from typing import Annotated

from fastapi import Depends, FastAPI, Security
from fastapi.security import (
    APIKeyHeader,
    HTTPAuthorizationCredentials,
    HTTPBearer,
    OAuth2PasswordBearer,
    SecurityScopes,
)

app = FastAPI()

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
