"""Fig 11: initial states optimised to change the final rooster least or most (κⁿ)."""
