"""What cannot run as FastAPI runs it fails the declaration, naming the function and why."""

import pytest

from fastwasm import FastAPI
from fastwasm.exceptions import DeclarationError


def test_a_refused_keyword_names_the_apps_file_and_line():
    with pytest.raises(DeclarationError) as raised:
        FastAPI(docs_url=None)
    assert str(raised.value).startswith("test_declarations.py:11: `FastAPI(docs_url=...)`")
