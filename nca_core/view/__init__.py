"""Showing results: ``plotting`` (figure files, snapshot grids), ``video`` (MP4s, inline
animations), ``images`` (RGBA over a checkerboard, hidden channels as colour, colour maps).

May import: ``fileio``, ``validate``.
"""
