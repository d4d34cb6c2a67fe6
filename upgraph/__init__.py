"""upgraph: see and check the job graph of an Upstart init system, offline."""

__version__ = "0.1.0"
