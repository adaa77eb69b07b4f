"""Ranking metrics under two protocols: full ranking and the NCF sampled protocol.

`full` (full.py) ranks every item the user has not interacted with, and `sampled`
(sampled.py) ranks each relevant held-out item against sampled unrated items. Result
keys name the protocol (see params.py), and all metrics of one evaluation share one
set of ranked lists (cache.py).
"""
