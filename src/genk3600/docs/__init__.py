"""The API's reading pages, `/docs` (Swagger UI) and `/redoc`, served whole by the app: no CDN."""
