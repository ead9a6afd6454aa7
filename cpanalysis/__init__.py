"""cpanalysis: evidence packs for scrutiny of services for looked-after children."""

__version__ = "0.1.0"
