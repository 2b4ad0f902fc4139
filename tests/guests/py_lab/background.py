"""Background tasks, as FastAPI's background-tasks tutorials use them: added by the operation
(`async def` and `def`) and by a dependency, with arguments, `def` and `async def` tasks, one
that fails, and tasks that wait on an upstream the test holds, which show that the answer went
out before them. The tutorials write to a file; a component has no writable folder here, so the
notes go to `NOTES` (read back by `/background/notes`) and to stderr (the host's log). In one
file that runs unchanged under FastAPI and in the lab component (its `main.py` includes
`router`): `tests/all/python_background.rs` compares the answers."""

import sys
from typing import Annotated

try:
    import httpx
    from fastapi import APIRouter, BackgroundTasks, Depends
except ImportError:
    from fastwasm import APIRouter, BackgroundTasks, Depends, httpx

router = APIRouter(prefix="/background")

#: What the tasks of `async def` operations wrote, in order (module state of the instance that
#: serves them: async operations share one).
NOTES: list[str] = []


def note(text: str) -> None:
    NOTES.append(text)
    print(f"background {text}", file=sys.stderr)


async def async_note(text: str, *, suffix: str = "") -> None:
    note(text + suffix)


# background_tasks/tutorial001, with `write_notification` noting instead of writing a file.
def write_notification(email: str, message=""):
    note(f"notification for {email}: {message}")


@router.post("/send-notification/{email}")
async def send_notification(email: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(write_notification, email, message="some notification")
    return {"message": "Notification sent in the background"}


# background_tasks/tutorial002: a dependency adds a task to the same object, before the
# operation's own.
def write_log(message: str):
    note(f"log: {message}")


def get_query(background_tasks: BackgroundTasks, q: str | None = None):
    if q:
        message = f"found query: {q}\n"
        background_tasks.add_task(write_log, message)
    return q


@router.post("/log/{email}")
async def send_log(
    email: str, background_tasks: BackgroundTasks, q: Annotated[str, Depends(get_query)]
):
    message = f"message to {email}\n"
    background_tasks.add_task(write_log, message)
    background_tasks.add_task(async_note, "async task", suffix=" with kwargs")
    return {"message": "Message sent"}


@router.post("/failing")
async def failing(background_tasks: BackgroundTasks):
    background_tasks.add_task(note, "before the failure")
    background_tasks.add_task(lambda: 1 / 0)
    background_tasks.add_task(note, "never")
    return {"message": "accepted"}


@router.get("/notes")
async def notes():
    return NOTES


# Tasks that wait on the test's upstream: the answer must reach the client while they wait.
async def wait_async(upstream: str, tag: str) -> None:
    async with httpx.AsyncClient() as client:
        await client.get(upstream)
    print(f"gate passed tag={tag}", file=sys.stderr)


def wait_sync(upstream: str, tag: str) -> None:
    httpx.get(upstream)
    print(f"gate passed tag={tag}", file=sys.stderr)


@router.post("/gated")
async def gated(upstream: str, tag: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(wait_async, upstream, tag)
    return {"queued": tag}


@router.post("/gated-def")
def gated_def(upstream: str, tag: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(wait_sync, upstream, tag)
    return {"queued": tag}
