"""Helpers at the Anthropic SDK's import paths (``anthropic.lib.streaming``)."""
