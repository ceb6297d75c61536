"""Reading requests: the phrase lists and the public mail domains start at their shipped defaults on a site that
had the app before them."""

from customer_priority.setup.install import make_default_records


def execute():
	make_default_records()
