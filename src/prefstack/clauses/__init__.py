"""Pure functions, one module per section of the certificates."""
