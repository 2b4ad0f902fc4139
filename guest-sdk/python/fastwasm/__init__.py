"""fastwasm's Python SDK: FastAPI's path-operation API for WebAssembly components.

Port a FastAPI app by changing its imports:

```python
from fastwasm import FastAPI, HTTPException, Query, BaseModel

app = FastAPI()

class Item(BaseModel):
    name: str
    price: float

@app.post("/items/", status_code=201)
async def create_item(item: Item):
    return item
```
"""

from . import status
from .applications import FastAPI, FastWasm
from .background import BackgroundTasks
from .encoders import jsonable_encoder
from .exceptions import (
    DeclarationError,
    HTTPException,
    PydanticCustomError,
    RequestValidationError,
    ValidationError,
    WebSocketException,
)
from .abi.host import log, sleep
from .pydantic.fields import Field
from .pydantic.functional_validators import (
    AfterValidator,
    BeforeValidator,
    PlainValidator,
    WrapValidator,
)
from .pydantic.computed import computed_field
from .pydantic.models import BaseModel, ConfigDict, ValidationInfo, field_validator, model_validator
from .pydantic.networks import AnyHttpUrl, AnyUrl, EmailStr, HttpUrl
from .datastructures import UploadFile
from .params import Body, Cookie, Depends, File, Form, Header, Path, Query, Security
from .requests import Request
from .responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from .routing import APIRouter
from .websockets import WebSocket, WebSocketDisconnect, WebSocketState

__all__ = [
    "AfterValidator",
    "AnyHttpUrl",
    "AnyUrl",
    "APIRouter",
    "BackgroundTasks",
    "BeforeValidator",
    "PlainValidator",
    "WrapValidator",
    "BaseModel",
    "ConfigDict",
    "computed_field",
    "ValidationInfo",
    "field_validator",
    "model_validator",
    "Body",
    "Cookie",
    "DeclarationError",
    "EmailStr",
    "Depends",
    "FastAPI",
    "FastWasm",
    "Field",
    "File",
    "Form",
    "HTMLResponse",
    "HTTPException",
    "Header",
    "HttpUrl",
    "JSONResponse",
    "Path",
    "PlainTextResponse",
    "PydanticCustomError",
    "Query",
    "RedirectResponse",
    "Request",
    "RequestValidationError",
    "Response",
    "Security",
    "StreamingResponse",
    "UploadFile",
    "ValidationError",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketException",
    "WebSocketState",
    "jsonable_encoder",
    "log",
    "sleep",
    "status",
]
