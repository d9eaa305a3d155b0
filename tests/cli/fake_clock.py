"""A monotonic clock for the CLI tests that only sleep() moves."""


class Clock:
    """Call it for the time; sleep() advances it and remembers every sleep."""

    def __init__(self):
        self.now, self.sleeps = 0.0, []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
