"""Every benchmark of the gateway (`eugw bench`), one module each, whose docstring names the
hot paths it times."""
