"""Packages from the package index, imported by a component as by any Python app."""

import humanize
from slugify import slugify

import users
from fastwasm import FastAPI

app = FastAPI()
app.include_router(users.router)


@app.get("/size")
def size(bytes: int):
    return {"size": humanize.naturalsize(bytes), "version": humanize.__version__}


@app.get("/slug")
def slug(text: str):
    return {"slug": slugify(text)}
