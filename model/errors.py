"""The one exception the command line turns into a one-line message and exit code 2."""


class InputError(Exception):
    """Bad user input: a malformed file, an unknown field, an impossible value.

    The message is a single line that names the file and the field.
    """
