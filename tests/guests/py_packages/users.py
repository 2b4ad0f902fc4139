"""`EmailStr` in a model and as path and query parameters, with `email-validator` from the
package index (brought by `fastapi[standard]` in `requirements.txt`, and pinned there): a file that runs unchanged under FastAPI, so that
`tests/all/python_packages.rs` compares the answers."""

from typing import Annotated

try:
    from fastapi import APIRouter, Query
    from pydantic import BaseModel, EmailStr
except ImportError:
    from fastwasm import APIRouter, BaseModel, EmailStr, Query

router = APIRouter()


class User(BaseModel):
    name: str
    email: EmailStr


@router.post("/users")
def create_user(user: User):
    return user


@router.get("/users/by-email/{email}")
async def user_by_email(email: EmailStr):
    return {"email": email}


@router.get("/users/search")
async def search_users(
    email: EmailStr, cc: Annotated[list[EmailStr], Query()] = [], bcc: EmailStr | None = None
):
    return {"email": email, "cc": cc, "bcc": bcc}
