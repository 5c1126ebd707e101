"""Reviewing a change of synthesized output (pure Python, no jsii): the structural manifest
diff, the refusal of changes the API server would reject (immutable fields), and stale image
pins. Used by ``aipp diff`` and ``main.py``; imports nothing from the construct layers.
"""
