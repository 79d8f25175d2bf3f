"""DRF endpoints of the money core, one module per domain."""
