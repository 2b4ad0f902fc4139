"""`EmailStr`, with `email-validator` from the package index (brought by `fastapi[standard]` in
`requirements.txt`, and pinned there): a file that runs unchanged under FastAPI, so that
`tests/all/python_packages.rs` compares the answers."""

try:
    from fastapi import APIRouter
    from pydantic import BaseModel, EmailStr
except ImportError:
    from fastwasm import APIRouter, BaseModel, EmailStr

router = APIRouter()


class User(BaseModel):
    name: str
    email: EmailStr


@router.post("/users")
def create_user(user: User):
    return user
