"""Reading: how text becomes jobs.

sources.py finds the files and text the user named; session.py's Reading
owns everything one reading keeps (the condition memo, learnt shapes, forked
readers, pending cache writes); conf.py, showconfig.py, expr.py and lexer.py
parse, and know nothing of the cache; cache.py stores what was read.
"""
