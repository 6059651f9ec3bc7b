"""cardsim_analysis: read cardsim HDF5 files, write figures, tables and the paper's numbers."""
from .frames import read_compare, read_run, read_sweep  # noqa: F401
from .readers import load_compare, load_run, load_sweep, open_dataset, refusals_by_check, supply_channels  # noqa: F401

__version__ = "0.1.0"
