"""The schema pack: where its files are, which one validates which namespace, compiled once.

The pack ships inside the wheel as `gateway/_schemas`; in an editable
install it is read from the repository's `schemas/` folder. Its
`catalog.toml` maps each root namespace to one XSD file. Loading never
touches the network: lxml gets a resolver that refuses anything outside the
pack, and xmlschema is allowed local files only.
"""

from __future__ import annotations

import importlib.resources
import threading
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import xmlschema
from lxml import etree

from gateway.domain.frozen import frozen
from gateway.errors import ConfigError, InputError

__all__ = ["SchemaPack", "default_pack", "pack_root"]

PACK_ERROR = "GW-CFG-SCHEMA-PACK"
UNKNOWN_NAMESPACE = "GW-VAL-NAMESPACE"
CATALOG = "catalog.toml"


def pack_root() -> Path:
    """The folder of the shipped schema pack: packaged data, else the repository's folder."""
    packaged = importlib.resources.files("gateway").joinpath("_schemas")
    if packaged.is_dir():
        return Path(str(packaged))
    repository = Path(__file__).resolve().parents[2] / "schemas"
    if repository.is_dir():
        return repository
    raise ConfigError(PACK_ERROR, "the schema pack is missing from the installation", str(packaged))


@frozen
class _Entry:
    namespace: str
    path: Path


class SchemaPack:
    """The compiled schemas of one pack, looked up by the root element's namespace."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._entries = {entry.namespace: entry for entry in _read_catalog(self.root)}
        self._compiled = {ns: self._compile(entry.path) for ns, entry in self._entries.items()}
        self._diagnostic: dict[str, xmlschema.XMLSchema] = {}
        self._lock = threading.Lock()

    @property
    def namespaces(self) -> frozenset[str]:
        return frozenset(self._entries)

    def path_of(self, namespace: str) -> Path:
        return self._entry(namespace).path

    def schema_for(self, namespace: str | None) -> etree.XMLSchema:
        """The compiled lxml schema of a namespace (the fast validator)."""
        return self._compiled[self._entry(namespace).namespace]

    def diagnostic_schema_for(self, namespace: str | None) -> xmlschema.XMLSchema:
        """The xmlschema schema of a namespace, built on first use: slow, but says where."""
        entry = self._entry(namespace)
        with self._lock:
            schema = self._diagnostic.get(entry.namespace)
            if schema is None:
                schema = self._build_diagnostic(entry.path)
                self._diagnostic[entry.namespace] = schema
        return schema

    def _entry(self, namespace: str | None) -> _Entry:
        entry = self._entries.get(namespace or "")
        if entry is None:
            known = ", ".join(sorted(self._entries))
            raise InputError(
                UNKNOWN_NAMESPACE,
                f"no schema for the root namespace {namespace!r} (known: {known})",
                "/",
            )
        return entry

    def _compile(self, path: Path) -> etree.XMLSchema:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        parser.resolvers.add(_PackResolver(self.root))
        try:
            return etree.XMLSchema(etree.parse(str(path), parser))
        except (OSError, etree.XMLSyntaxError, etree.XMLSchemaParseError) as error:
            raise ConfigError(
                PACK_ERROR, f"the schema cannot be loaded: {error}", str(path)
            ) from None

    def _build_diagnostic(self, path: Path) -> xmlschema.XMLSchema:
        def inside_pack(url: str) -> str:
            _inside(self.root, url)
            return url

        try:
            return xmlschema.XMLSchema(
                str(path),
                allow="local",
                defuse="always",
                uri_mapper=inside_pack,
                use_fallback=False,  # lax ds:Signature, as lxml sees it: no XML-DSig schema
            )
        except (OSError, xmlschema.XMLSchemaException) as error:
            raise ConfigError(
                PACK_ERROR, f"the schema cannot be loaded: {error}", str(path)
            ) from None


def _unloadable(path: Path, error: Exception) -> ConfigError:
    return ConfigError(PACK_ERROR, f"the schema cannot be loaded: {error}", str(path))


class _PackResolver(etree.Resolver):
    def __init__(self, root: Path) -> None:
        super().__init__()
        self._root = root

    def resolve(self, url: str | None, pubid: str | None, context: Any) -> Any:
        return self.resolve_filename(str(_inside(self._root, url or "")), context)


def _inside(root: Path, url: str) -> Path:
    """The local file a URL names, if it lies inside the pack; refused otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in {"", "file"} or parts.netloc not in {"", "localhost"}:
        raise ConfigError(PACK_ERROR, "a schema refers to a resource outside the pack", url)
    path = Path(unquote(parts.path)).resolve()
    if not path.is_relative_to(root):
        raise ConfigError(PACK_ERROR, "a schema refers to a file outside the pack", url)
    return path


def _read_catalog(root: Path) -> list[_Entry]:
    try:
        with (root / CATALOG).open("rb") as file:
            catalog = tomllib.load(file)
        return [
            _Entry(namespace=item["namespace"], path=_inside(root, str(root / item["file"])))
            for item in catalog["schema"]
        ]
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as error:
        raise ConfigError(
            PACK_ERROR, f"the schema catalogue cannot be read: {error}", str(root / CATALOG)
        ) from None


_DEFAULT: list[SchemaPack] = []
_DEFAULT_LOCK = threading.Lock()


def default_pack() -> SchemaPack:
    """The shipped pack, compiled on first use and kept for the life of the process.

    Under a lock: two threads compiling it at once (the first submissions arriving
    together) made libxml2 refuse a valid schema."""
    with _DEFAULT_LOCK:
        if not _DEFAULT:
            _DEFAULT.append(SchemaPack(pack_root()))
        return _DEFAULT[0]
