"""Monotone inclusions and min-max problems (variance-reduced Halpern iteration).

Nothing is here yet: ``solve_monotone`` arrives with its own issue.
"""

__all__: list[str] = []
