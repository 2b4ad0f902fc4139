"""FastAPI's middleware import paths. ASGI middleware cannot wrap a component's operations; CORS,
the one most apps add, is the host's own (its `cors_*` settings), and `FastAPI.add_middleware`
says so at build time with the settings that do the same."""
