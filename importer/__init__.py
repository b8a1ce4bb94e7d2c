"""Import lead lists into the Whiteclad Noble AI dialer."""

__version__ = "0.1.0"
