"""swclint's own Slither detectors for SWC classes plain Slither misses; see plugin.DETECTORS."""
