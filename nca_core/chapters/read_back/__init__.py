"""Beyond the paper: reading a PDE back from the Gray-Scott NCAs by sparse regression (PySINDy)."""
