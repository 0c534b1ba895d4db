"""census's version: its own module, so that no submodule needs the package's ``__init__``."""

__version__ = "0.2.0"
