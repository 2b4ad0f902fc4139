"""The module componentize-py builds a component from: `fastwasm.component.<module>` is the
app in the top-level module `<module>` (usually `main`), served through world `service`:

    componentize-py -d "$FASTWASM_WIT" -w service componentize \\
        -p "$FASTWASM_PYTHON_SDK" -p . fastwasm.component.main -o build/app.wasm

Importing `fastwasm.component.main` imports `main` — at build time, so that a declaration error
fails the build — finds its app, and defines the export classes componentize-py looks for.
The app module itself stays plain FastAPI-style code."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import sys
import types
from typing import Any


def find_app(module: types.ModuleType) -> Any:
    """The app of `module`: the attribute `FASTWASM_APP_ATTRIBUTE` names (set by the manifest's
    `python = "main:app"`), else its `app` or `api`, else its only `FastWasm` instance."""
    from ..applications import FastWasm

    attribute = os.environ.get("FASTWASM_APP_ATTRIBUTE")
    if attribute:
        app = getattr(module, attribute, None)
        if not isinstance(app, FastWasm):
            raise LookupError(
                f"fastwasm: `{module.__name__}:{attribute}` is not a FastWasm app; "
                f"check `python = ...` in fastwasm.toml"
            )
        return app
    for name in ("app", "api"):
        if isinstance(getattr(module, name, None), FastWasm):
            return getattr(module, name)
    apps = [value for value in vars(module).values() if isinstance(value, FastWasm)]
    if len(apps) == 1:
        return apps[0]
    found = "several FastWasm apps" if apps else "no FastWasm app"
    raise LookupError(
        f"fastwasm: module `{module.__name__}` has {found}; name the app `app`: app = FastAPI()"
    )


class _AppModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Makes `fastwasm.component.<module>` for any top-level `<module>`."""

    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        parent, _, module = fullname.rpartition(".")
        if parent != __name__:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        from ..abi.exports import export_classes

        app_module = importlib.import_module(module.__name__.rpartition(".")[2])
        app = find_app(app_module)
        # Resolve operation ids and compile every schema now, so that the built component starts
        # with them and what cannot be declared fails the build, not the host's first load.
        app.operations
        app.describe()
        vars(module).update(export_classes(app))


sys.meta_path.append(_AppModules())
