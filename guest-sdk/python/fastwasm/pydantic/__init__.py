"""The pydantic-compatible half of the SDK: `BaseModel` and its fields and validators
(`models`, `fields`, `functional_validators`), `EmailStr` and the URL types (`networks`), and
the validators every body, model and response is checked with (`validation`), with pydantic's
errors and schemas. The public names are re-exported by `fastwasm`, as FastAPI apps import them
from pydantic."""
