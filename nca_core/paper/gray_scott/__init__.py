"""Gray-Scott chapter (Figs 3–6, videos S4–S6): jobs, measure, claims, figures."""
