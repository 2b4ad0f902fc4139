"""Exception handlers as FastAPI's handling-errors tutorial writes them — a custom exception
answered 418 by an async handler, a family of exceptions answered by a sync handler of their
base class, raised by an operation or by a dependency (after the teardowns of the ones with
`yield`) — in one file that runs unchanged under FastAPI and in the lab component (its
`main.py` includes `router` and calls `add_handlers`): `tests/all/python_errors.rs` sends both
the same requests and compares the answers."""

try:
    from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
    from fastapi.responses import JSONResponse, PlainTextResponse
except ImportError:
    from fastwasm import APIRouter, Depends, FastAPI, HTTPException, Request
    from fastwasm.responses import JSONResponse, PlainTextResponse


class UnicornException(Exception):
    def __init__(self, name: str):
        self.name = name


class PaymentError(Exception):
    pass


class CardDeclined(PaymentError):
    pass


async def unicorn_exception_handler(request: Request, exc: UnicornException):
    return JSONResponse(
        status_code=418,
        content={
            "message": f"Oops! {exc.name} did something. There goes a rainbow...",
            "path": request.url.path,
        },
    )


def payment_error_handler(request: Request, exc: PaymentError):
    return PlainTextResponse(
        f"payment failed: {type(exc).__name__}: {exc}",
        status_code=402,
        headers={"X-Payment": "declined"},
    )


def add_handlers(app) -> None:
    app.add_exception_handler(UnicornException, unicorn_exception_handler)
    app.exception_handler(PaymentError)(payment_error_handler)


router = APIRouter()


async def session():
    try:
        yield {"open": True}
    finally:
        pass


async def unicorn_guard(who: str = "ok"):
    if who == "dep":
        raise UnicornException(name="the dependency")
    return who


@router.get("/errors/unicorns/{name}")
async def read_unicorn(name: str, guard: str = Depends(unicorn_guard)):
    if name == "yolo":
        raise UnicornException(name=name)
    return {"unicorn_name": name, "guard": guard}


@router.get("/errors/pay")
def pay(card: str, session: dict = Depends(session)):
    if card == "declined":
        raise CardDeclined("card 4242 declined")
    if card == "other":
        raise PaymentError("gateway down")
    if card == "http":
        raise HTTPException(status_code=409, detail="conflict", headers={"X-Why": "twice"})
    return {"paid": card, "session": session}


app = FastAPI()
app.include_router(router)
add_handlers(app)
