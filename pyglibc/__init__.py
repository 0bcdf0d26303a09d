"""Pythonic objects over the glibc bindings (select, selectors, signalfd, ...).

Empty for now: the objects arrive with the "pyglibc" issue.
"""
