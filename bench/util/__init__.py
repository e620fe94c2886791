"""Small helpers of the harness with no better home.

- ``atomic``: atomic file writes (temporary file, fsync, rename), so results are never half written;
- ``quiet``: silencing what native libraries print straight to file descriptor 2.
"""
