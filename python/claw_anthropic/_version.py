"""The package version (equal to the crate version of the library it ships)."""

__version__ = "0.1.0"
