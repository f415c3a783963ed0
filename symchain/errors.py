"""Errors that speak to the user: each message names what is wrong and what is accepted."""

from __future__ import annotations


class SymchainError(Exception):
    """Base of every error symchain raises for bad input; the CLI turns it into exit code 2."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class SpecError(SymchainError):
    """A network description (widths, activation, loss, spec file) is invalid."""


class UnknownNameError(SymchainError):
    """A name (activation, loss, parameter, symbol) is unknown; the message lists known ones."""


class TooLargeError(SymchainError):
    """A form or output would be too large to build or print; the message suggests a smaller one."""


class BudgetError(SymchainError):
    """Symbolic work ran past its time budget."""


class InputFileError(SymchainError):
    """A file given by the user is missing, unreadable or malformed."""


class OutputFileError(SymchainError):
    """An output file could not be written; the target keeps its previous content."""
