"""A Salesforce client: async and sync from one source."""

from ._version import __version__

__all__ = ["__version__"]
