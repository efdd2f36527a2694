"""Rendering: the render worker's Celery glue around the engine (the top-level package ``painter``)."""
