"""The platform's facts as data: cloud-storage limits and the API surface.

Lint, validate, the emulator and the storage client read these; nothing else restates them.
"""
