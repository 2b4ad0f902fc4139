"""FastAPI's and Starlette's middleware import paths. HTTP middleware (`BaseHTTPMiddleware`,
`@app.middleware("http")`) wraps a component's operations, in `base`; ASGI middleware cannot
run in a component, and CORS, the one most apps add, is the host's own (its `cors_*`
settings): `FastAPI.add_middleware` says so at build time with the settings that do the same."""
