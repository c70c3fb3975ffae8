"""Beyond the paper: Gray-Scott NCAs trained in other regimes of Pearson's (F, k) map (Section 3.1's unshown claim)."""
