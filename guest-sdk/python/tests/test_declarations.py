"""What cannot run as FastAPI runs it fails the declaration, naming the function and why."""

import json

import pytest

from fastwasm import FastAPI
from fastwasm.exceptions import DeclarationError


def test_a_refused_keyword_names_the_apps_file_and_line():
    with pytest.raises(DeclarationError) as raised:
        FastAPI(docs_url=None)
    assert str(raised.value).startswith("test_declarations.py:13: `FastAPI(docs_url=...)`")


def test_the_app_describes_only_the_document_fields_it_was_given():
    assert FastAPI().describe().openapi is None
    app = FastAPI(
        summary="Books",
        version="2.0.0",
        contact={"name": "Team", "url": None},
        openapi_tags=[{"name": "books", "description": "The books."}],
    )
    # The title no one gave is left to the manifest (or the app's name); nulls are dropped,
    # as FastAPI's document drops them.
    assert json.loads(app.describe().openapi) == {
        "info": {"summary": "Books", "version": "2.0.0", "contact": {"name": "Team"}},
        "tags": [{"name": "books", "description": "The books."}],
    }
    assert (app.title, app.version, app.servers) == ("FastAPI", "2.0.0", [])


def test_document_fields_that_are_not_json_name_the_apps_file_and_line():
    with pytest.raises(DeclarationError) as raised:
        FastAPI(servers=[{"url": object()}])
    assert str(raised.value).startswith("test_declarations.py:36: the app's OpenAPI fields")
