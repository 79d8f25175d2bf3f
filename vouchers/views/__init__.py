"""Server-rendered pages of the money core, one module per domain."""
