"""Tracking: legal deadlines of the Dublin procedure, hits awaiting verification, Dublin cases.

Pure cores: they take dates and facts as arguments and return records. The
only I/O is reading the packaged holiday calendars, once.
"""
