"""Beyond the paper: what the trained weights say about kernels, channels and hidden units, checked by ablation."""
