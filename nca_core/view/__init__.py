"""Showing results: ``plotting`` (figure files, snapshot grids, tick-free picture axes) · ``video``
(MP4s, side-by-side runs, inline animations) · ``images`` (RGBA over a checkerboard, hidden channels as
colour, colour maps) · ``web`` (the in-browser player's data files) · ``explorer_state`` and
``widgets`` (the notebook explorer: its state without widgets, and the ipywidgets around it).

May import: ``fileio``, ``validate``.
"""
