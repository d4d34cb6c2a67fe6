"""Knowledge: the index of one job set and its rules, in one place.

index.py (who emits and who listens for what), globs.py (event patterns),
profiles.py (each system's built-in emitters), graph.py (the job/event graph),
history.py (what a real boot did, from its log).
"""
