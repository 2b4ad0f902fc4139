"""What the lab's `FastAPI(...)` says of the app, from FastAPI's metadata tutorials
(`metadata/tutorial001` and `tutorial004`, the `servers` of `behind_a_proxy/tutorial003`): plain
data that `main.py` passes to fastwasm's `FastAPI` and `tests/all/python_metadata.rs` to
FastAPI's, whose documents must then say the same of the app."""

description = """
ChimichangApp API helps you do awesome stuff. 🚀

## Items

You can **read items**.

## Users

You will be able to:

* **Create users** (_not implemented_).
* **Read users** (_not implemented_).
"""

tags_metadata = [
    {
        "name": "users",
        "description": "Operations with users. The **login** logic is also here.",
    },
    {
        "name": "items",
        "description": "Manage items. So _fancy_ they have their own docs.",
        "externalDocs": {
            "description": "Items external docs",
            "url": "https://fastapi.tiangolo.com/",
        },
    },
]

METADATA = {
    "title": "ChimichangApp",
    "description": description,
    "summary": "Deadpool's favorite app. Nuff said.",
    "version": "0.0.1",
    "terms_of_service": "http://example.com/terms/",
    "contact": {
        "name": "Deadpoolio the Amazing",
        "url": "http://x-force.example.com/contact/",
        "email": "dp@x-force.example.com",
    },
    "license_info": {
        "name": "Apache 2.0",
        "url": "https://www.apache.org/licenses/LICENSE-2.0.html",
    },
    "openapi_tags": tags_metadata,
    "servers": [
        {"url": "https://stag.example.com", "description": "Staging environment"},
        {"url": "https://prod.example.com", "description": "Production environment"},
    ],
    "openapi_external_docs": {
        "description": "Deadpool's guide",
        "url": "https://example.com/guide",
    },
}
