"""Beyond the paper: the Gray-Scott NCAs between the sampled frames (the path the data never show)."""
