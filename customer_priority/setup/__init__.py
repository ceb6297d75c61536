"""Install, migrate and uninstall: the custom fields (one dict), the indexes, default records. Patches use this.
May import: standing, data, utils, engine."""
