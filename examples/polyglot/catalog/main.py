"""The Python component of `examples/polyglot`: the book catalog.

It exports the `pricing` provider, which the Rust component's quote depends on, and its
recommendations depend on the Rust component's `current-user` provider: dependencies cross
languages by name, resolved by the host.
"""

from dataclasses import dataclass
from typing import Annotated

from fastwasm import Depends, FastAPI, HTTPException, Path

# What the document says of the app: the manifest's `title` goes over this one; the tags join
# the other components' (the reviews component describes its own).
app = FastAPI(
    title="Catalog",
    summary="Books, prices and reviews, from three languages.",
    contact={"name": "Bookshop team", "email": "books@example.com"},
    license_info={"name": "Apache 2.0", "identifier": "Apache-2.0"},
    openapi_tags=[{"name": "catalog", "description": "The books on sale."}],
)


@dataclass
class Book:
    id: int
    title: str
    author: str
    list_price: float


@dataclass
class User:
    """The caller, as the Rust component's `current-user` provides it."""

    username: str
    full_name: str
    member: bool


BOOKS = {
    1: Book(1, "Structure and Interpretation of Computer Programs", "Abelson & Sussman", 45.0),
    2: Book(2, "The Rust Programming Language", "Klabnik & Nichols", 39.95),
    3: Book(3, "Fluent Python", "Ramalho", 59.99),
}


@app.provider("pricing")
def pricing() -> dict:
    """The shop's price rules, for any component that quotes prices."""
    return {"currency": "EUR", "member_discount": 0.1}


@app.get("/catalog/books", tags=["catalog"])
async def list_books() -> list[Book]:
    return list(BOOKS.values())


@app.get("/catalog/books/{book_id}", tags=["catalog"])
def read_book(book_id: Annotated[int, Path(ge=1)]) -> Book:
    if book_id not in BOOKS:
        raise HTTPException(status_code=404, detail="Book not found")
    return BOOKS[book_id]


@app.get("/catalog/recommendations", tags=["catalog"])
async def recommendations(user: Annotated[User, Depends("current-user")]):
    """Books for the caller: members see everything, others the cheaper ones."""
    books = [b for b in BOOKS.values() if user.member or b.list_price < 50]
    return {"for": user.full_name, "books": [b.title for b in books]}
