"""Every whitelisted method: check the input and the reader's permission, then call requests/ or standing/.
May import: requests, standing, data, utils, engine. Nothing below imports api."""
