"""cardsim_analysis: read cardsim HDF5 files, write figures, tables and the paper's numbers."""
from .readers import open_dataset, read_compare, read_run, read_sweep, supply_channels  # noqa: F401

__version__ = "0.1.0"
