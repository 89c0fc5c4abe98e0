"""The one exception a step raises for input it refuses (a config key, a file, a row, a checkpoint): its
message is one line naming what is wrong and where; `fastmath-r1` prints it and exits non-zero."""


class InputError(ValueError):
    pass
