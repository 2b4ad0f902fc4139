"""The Python benchmark app: the same code runs as a fastwasm component and, with a `fastwasm`
module that re-exports FastAPI, under uvicorn."""

from fastwasm import FastAPI

app = FastAPI()


@app.get("/async")
async def async_hello():
    return {"message": "Hello World"}


@app.get("/sync")
def sync_hello():
    return {"message": "Hello World"}
