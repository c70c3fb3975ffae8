"""Beyond the paper: how much a trained NCA's weights can be disturbed before the pattern or the rooster is lost."""
