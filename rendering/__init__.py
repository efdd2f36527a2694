"""Rendering: the style-transfer engine (``rendering.engine``) and its command line (``python -m rendering``)."""
