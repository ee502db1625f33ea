"""Matrix completion (alternating minimization with sketched least-squares updates).

Nothing is here yet: the method arrives with its own issue.
"""

__all__: list[str] = []
