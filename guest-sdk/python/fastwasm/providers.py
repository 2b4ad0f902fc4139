"""Named providers: Python functions this component offers the host as dependencies, which
operations of any component ask for with `Depends("name")`."""

from __future__ import annotations

import inspect
from typing import Any, Callable

from . import declaration
from .dependencies import analyse, declare, host_dependencies, served_kind, where
from .exceptions import DeclarationError
from .routing import declare_param


class NamedProvider:
    """A function exported as the provider `name`: sync (`def`, or `def` with `yield`) or async
    (`async def`, with or without `yield`). Its parameters are validated by the host with the
    operation's; a `yield` makes the code after it the provider's teardown."""

    def __init__(self, name: str, call: Callable[..., Any], description: str | None) -> None:
        self.name = name
        self.call = call
        self.description = description or inspect.cleandoc(call.__doc__ or "") or None
        self.dependant = analyse(call)
        for dependant in self.dependant.walk():
            if dependant.body:
                raise DeclarationError(
                    f"{where(dependant.call)}: the provider `{name}` cannot read the request body; "
                    "the operation that needs it can"
                )
            if dependant.response_arg is not None:
                raise DeclarationError(
                    f"{where(dependant.call)}: the provider `{name}` cannot take the `Response`: "
                    "it runs before the operation, in its own call"
                )
        self.params = declare(self.dependant)
        self.host_dependencies = host_dependencies(self.dependant)
        self.has_teardown = any(dependant.kind.has_teardown for dependant in self.dependant.walk())

    @property
    def kind(self) -> str:
        """`sync`, `async` or `blocking` (a `def` below which an `async def` awaits)."""
        return served_kind(self.dependant)

    def declaration(self) -> declaration.Provider:
        return declaration.Provider(
            name=self.name,
            kind=self.kind,
            params=[declare_param(param) for param in self.params],
            dependencies=[
                declaration.DependencyUse(dependency.name, dependency.use_cache)
                for dependency in self.host_dependencies
            ],
            has_teardown=self.has_teardown,
            description=self.description,
        )
