"""Pure domain core: no Django import below this package (DESIGN.md)."""
