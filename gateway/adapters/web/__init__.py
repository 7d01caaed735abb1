"""The HTTP side of the gateway (aiohttp): the API for national systems and operators,
and the mutual-TLS endpoint where peers deliver their replies."""
