"""The notebook explorer's models (``explorer``); moving to :mod:`nca_core.book` with the rest of the
book's machinery."""
