# The package is built by flit from pyproject.toml; this shim only serves tools that still call setup.py.
from setuptools import find_packages, setup

from customer_priority import __version__

setup(
	name="customer_priority",
	version=__version__,
	packages=find_packages(exclude=["tests*", "benchmarks*"]),
	include_package_data=True,
	entry_points={"console_scripts": ["customer-priority=customer_priority.cli:main"]},
)
