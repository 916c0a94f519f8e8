"""One module per dashboard page; each exposes `render()` (app.py navigates between them)."""
