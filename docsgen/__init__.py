"""The documentation site's machinery: reference pages generated from the code, and the checks that the
hand-written pages name only settings, commands, URLs and events the code has (see docs/reference/index.md)."""
