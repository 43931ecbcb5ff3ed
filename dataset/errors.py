"""The one exception dataset builders raise for bad input."""


class DatasetError(Exception):
    """Bad input or a failed check; the message is one line naming the file and the cause."""
