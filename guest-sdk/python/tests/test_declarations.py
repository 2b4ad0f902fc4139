"""What cannot run as FastAPI runs it fails the declaration, naming the function and why."""

import pytest

from fastwasm import BackgroundTasks, FastAPI
from fastwasm.exceptions import DeclarationError


def test_background_tasks_fail_the_declaration_with_the_reason():
    app = FastAPI()
    with pytest.raises(DeclarationError) as raised:

        @app.post("/send")
        def send(background_tasks: BackgroundTasks):
            return {}

    message = str(raised.value)
    assert ".send` (test_declarations.py:13)" in message
    assert "argument `background_tasks`: `BackgroundTasks` is not supported yet" in message


def test_a_refused_keyword_names_the_apps_file_and_line():
    with pytest.raises(DeclarationError) as raised:
        FastAPI(docs_url=None)
    assert str(raised.value).startswith("test_declarations.py:24: `FastAPI(docs_url=...)`")
