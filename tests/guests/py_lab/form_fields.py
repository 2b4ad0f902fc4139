"""Forms and files as FastAPI's tutorials use them — `Form()` fields (text, lists, defaults,
constraints), `File()` bytes, `UploadFile` (one, a list, optional), a form model, and
`OAuth2PasswordRequestForm` — in one file that runs unchanged under FastAPI and in the lab
component (its `main.py` includes `router`): `tests/all/python_forms.rs` sends both the same
requests and compares their answers and their OpenAPI documents."""

from typing import Annotated

try:
    from fastapi import APIRouter, Depends, FastAPI, File, Form, UploadFile
    from fastapi.security import OAuth2PasswordRequestForm, OAuth2PasswordRequestFormStrict
    from pydantic import BaseModel, ConfigDict
except ImportError:
    from fastwasm import (
        APIRouter,
        BaseModel,
        ConfigDict,
        Depends,
        FastAPI,
        File,
        Form,
        UploadFile,
    )
    from fastwasm.security import OAuth2PasswordRequestForm, OAuth2PasswordRequestFormStrict

router = APIRouter(prefix="/forms")


@router.post("/login/")
async def login(
    username: Annotated[str, Form()], password: Annotated[str, Form(min_length=3)]
):
    return {"username": username, "password": password}


@router.post("/optional/")
def optional(name: Annotated[str, Form()] = "anon", age: Annotated[int | None, Form()] = None):
    return {"name": name, "age": age}


@router.post("/tags/")
async def tags(tag: Annotated[list[str], Form()], n: Annotated[int, Form(ge=1)] = 1):
    return {"tag": tag, "n": n}


@router.post("/files/")
async def file_bytes(file: Annotated[bytes, File()]):
    return {"file_size": len(file)}


@router.post("/uploadfile/")
async def upload(file: UploadFile, note: Annotated[str, Form()] = ""):
    content = await file.read()
    return {
        "filename": file.filename,
        "content_type": file.content_type,
        "size": file.size,
        "content": content.decode(errors="replace"),
        "note": note,
    }


@router.post("/uploadfiles/")
def uploads(files: list[UploadFile], tokens: Annotated[list[bytes], File()] = []):  # noqa: B006
    return {
        "files": [{"filename": f.filename, "size": f.size} for f in files],
        "tokens": [len(token) for token in tokens],
    }


@router.post("/maybe-file/")
async def maybe_file(file: UploadFile | None = None):
    return {"filename": None if file is None else file.filename}


class Profile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    age: int = 0
    tags: list[str] = []


@router.post("/profile/")
async def profile(data: Annotated[Profile, Form()]):
    return data


@router.post("/token")
async def token(form_data: Annotated[OAuth2PasswordRequestForm, Depends()]):
    return {
        "username": form_data.username,
        "password": form_data.password,
        "scopes": form_data.scopes,
        "grant_type": form_data.grant_type,
        "client_id": form_data.client_id,
        "client_secret": form_data.client_secret,
    }


@router.post("/token-strict")
def token_strict(form_data: Annotated[OAuth2PasswordRequestFormStrict, Depends()]):
    return {"username": form_data.username, "grant_type": form_data.grant_type}


app = FastAPI()
app.include_router(router)
