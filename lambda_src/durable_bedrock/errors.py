"""Errors the workflows raise on purpose. None of them is ever retried."""


class ConfigurationError(ValueError):
    """An environment variable of the function is missing or malformed."""

    def __init__(self, variable: str, problem: str):
        super().__init__(f"environment variable {variable}: {problem}")
        self.variable = variable


class InputError(ValueError):
    """The execution's input payload breaks a rule; names the field and the rule."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"input field '{field}': {problem}")
        self.field = field


class CheckpointTooLargeError(ValueError):
    """A step result would not fit in a durable checkpoint."""


class AsyncJobFailedError(RuntimeError):
    """Bedrock reported an asynchronous invocation as Failed."""


class AsyncJobTimeoutError(TimeoutError):
    """An asynchronous job was not done before its polling deadline."""


class AsyncOutputMissingError(RuntimeError):
    """Bedrock reported an asynchronous job Completed but its output folder holds no output."""


class VideoGenerationFailedError(AsyncJobFailedError):
    """Bedrock reported the video job as Failed."""


class VideoGenerationTimeoutError(AsyncJobTimeoutError):
    """The video was not ready before the polling deadline."""


class ModelAccessError(PermissionError):
    """Bedrock refused the model for a reason the account owner must fix (see model_access.py)."""


class VideoMissingError(AsyncOutputMissingError):
    """Bedrock reported the video job Completed but no video is in its output folder."""


class ReviewDecisionError(ValueError):
    """The payload a reviewer sent with the review callback is not a valid decision."""

    def __init__(self, problem: str):
        super().__init__(f"review decision: {problem}")


class ReviewTimeoutError(TimeoutError):
    """Nobody decided the review before its timeout, and the policy says to fail."""


class ReviewCallbackFailedError(RuntimeError):
    """The review callback was answered with SendDurableExecutionCallbackFailure instead of a decision."""


class BudgetExceededError(RuntimeError):
    """A Bedrock step was not started because the execution's budget is used up (or its job would exceed it)."""

    def __init__(self, step: str, reason: str, spent_on: list[str]):
        on = "; ".join(spent_on) if spent_on else "nothing yet"
        super().__init__(f"budget exceeded: step '{step}' not started: {reason}. Spent on: {on}")
        self.step, self.reason, self.spent_on = step, reason, spent_on
