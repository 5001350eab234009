"""Reading and writing OCF packages: a folder of ``*.ocf.json`` files or a zip of them.

A package is found by its manifest (the one JSON file whose ``file_type`` is
``OCF_MANIFEST_FILE``); the manifest names every other file by a path relative to itself. Sizes are
bounded (a larger file or package is refused before it is read), paths may not leave the package,
and every problem is an :class:`~prefstack.errors.InputError` naming the file.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from prefstack.decisions import decision
from prefstack.errors import InputError
from prefstack.ocf.export import FILES, MANIFEST, dumps

CLAUSE = "OCF package"
MAX_FILE_BYTES = 64 * 1024 * 1024
"""The largest file of a package that is read."""
MAX_PACKAGE_BYTES = 256 * 1024 * 1024
"""The most bytes all the files of a package may hold (a zip is checked before it is unpacked)."""
MAX_FILES = 1000
OTHER_FILES = {
    "financings_files": ("Financings.ocf.json", "OCF_FINANCINGS_FILE"),
    "documents_files": ("Documents.ocf.json", "OCF_DOCUMENTS_FILE"),
}
"""Files a manifest may list that prefstack never writes (their objects are refused on import)."""


_ENCRYPTED = 0x1
"""The general-purpose flag of a zip member that is encrypted."""
_COMPRESSIONS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA})
"""The compression methods Python's zipfile unpacks."""


@dataclass
class Package:
    """A package read: the manifest, each listed file's documents by manifest key, and what was
    noticed but not refused (md5 values that do not match, decision OCF-MD5)."""

    source: str
    manifest: dict[str, Any]
    files: dict[str, list[tuple[str, dict[str, Any]]]]
    notes: list[str] = field(default_factory=list)


def write_package(files: dict[str, dict[str, Any]], out: Path) -> None:
    """Write ``files`` to the folder ``out`` (created) or, for a name ending .zip, a zip file."""
    if out.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, doc in files.items():
                    archive.writestr(name, dumps(doc))
        except OSError as exc:
            raise InputError("--out", CLAUSE, f"{out} cannot be written: {exc.strerror}") from exc
        return
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, doc in files.items():
            (out / name).write_text(dumps(doc), encoding="utf-8")
    except OSError as exc:
        raise InputError("--out", CLAUSE, f"{out} cannot be written: {exc.strerror}") from exc


class _Source:
    """The files of a folder or a zip, by relative POSIX path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.members: dict[str, bytes | Path] = {}
        if path.is_dir():
            for item in sorted(path.rglob("*.json"))[: MAX_FILES + 1]:
                self.members[item.relative_to(path).as_posix()] = item
        elif path.is_file() and path.suffix.lower() == ".zip":
            self._zip(path)
        else:
            raise InputError(str(path), CLAUSE, "is not a folder or a .zip file holding an OCF package")
        if len(self.members) > MAX_FILES:
            raise InputError(str(path), CLAUSE, f"holds more than {MAX_FILES} JSON files")

    def _zip(self, path: Path) -> None:
        try:
            with zipfile.ZipFile(path) as archive:
                infos = [i for i in archive.infolist() if not i.is_dir() and i.filename.endswith(".json")]
                if len(infos) > MAX_FILES:
                    raise InputError(str(path), CLAUSE, f"holds more than {MAX_FILES} JSON files")
                total = sum(i.file_size for i in infos)
                if total > MAX_PACKAGE_BYTES:
                    raise InputError(str(path), CLAUSE, f"unpacks to {total:,} bytes; at most {MAX_PACKAGE_BYTES:,}")
                for info in infos:
                    if info.file_size > MAX_FILE_BYTES:
                        raise InputError(f"{path}:{info.filename}", CLAUSE, f"has {info.file_size:,} bytes")
                    if info.flag_bits & _ENCRYPTED:
                        raise InputError(f"{path}:{info.filename}", CLAUSE, "is encrypted: it cannot be unpacked")
                    if info.compress_type not in _COMPRESSIONS:
                        problem = f"is compressed by method {info.compress_type}, which prefstack cannot unpack"
                        raise InputError(f"{path}:{info.filename}", CLAUSE, problem)
                    self.members[PurePosixPath(info.filename).as_posix()] = archive.read(info)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError) as exc:
            raise InputError(str(path), CLAUSE, f"is not a readable zip file ({exc})") from exc

    def read(self, name: str) -> bytes:
        member = self.members[name]
        if isinstance(member, bytes):
            return member
        try:
            if member.stat().st_size > MAX_FILE_BYTES:
                raise InputError(f"{self.path}/{name}", CLAUSE, f"has more than {MAX_FILE_BYTES:,} bytes")
            return member.read_bytes()
        except OSError as exc:
            raise InputError(f"{self.path}/{name}", CLAUSE, f"cannot be read: {exc.strerror}") from exc


def _json(raw: bytes, where: str) -> object:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(where, CLAUSE, f"is not UTF-8 text (byte {exc.start})") from exc

    def no_constants(value: str) -> object:
        raise InputError(where, CLAUSE, f"{value} is not a JSON number")

    try:
        return json.loads(text, parse_constant=no_constants)
    except (ValueError, RecursionError) as exc:
        raise InputError(where, CLAUSE, f"is not JSON ({exc})") from exc


def read_package(path: Path) -> Package:
    """The package at ``path`` (a folder or a zip); errors name the file and the field."""
    decision("ocf", "OCF-MD5")
    source = _Source(path)
    manifests = []
    for name in source.members:
        if name.endswith(MANIFEST) or "manifest" in name.lower():
            doc = _json(source.read(name), f"{path}:{name}")
            if isinstance(doc, dict) and doc.get("file_type") == "OCF_MANIFEST_FILE":
                manifests.append((name, doc))
    if len(manifests) != 1:
        found = ", ".join(n for n, _ in manifests) or "none"
        raise InputError(
            str(path), CLAUSE, f"an OCF package has exactly one manifest (OCF_MANIFEST_FILE); found {found}"
        )
    manifest_name, manifest = manifests[0]
    base = PurePosixPath(manifest_name).parent
    package = Package(str(path), manifest, {})
    for key, (_, file_type) in {**FILES, **OTHER_FILES}.items():
        listed = manifest.get(key, [])
        if not isinstance(listed, list):
            raise InputError(f"{manifest_name}.{key}", CLAUSE, "must be a list of files")
        package.files[key] = []
        for i, ref in enumerate(listed):
            at = f"{manifest_name}.{key}[{i}]"
            name = _member(ref, base, at, source)
            raw = source.read(name)
            doc = _json(raw, f"{path}:{name}")
            if not isinstance(doc, dict) or doc.get("file_type") != file_type:
                raise InputError(f"{path}:{name}.file_type", CLAUSE, f"{key} lists it, so it must be a {file_type}")
            if hashlib.md5(raw).hexdigest() != ref.get("md5"):
                package.notes.append(
                    f"{name}: its md5 differs from the manifest's {ref.get('md5')!r} (read as it is, OCF-MD5)"
                )
            package.files[key].append((name, doc))
    return package


def _member(ref: object, base: PurePosixPath, at: str, source: _Source) -> str:
    if not isinstance(ref, dict) or not isinstance(ref.get("filepath"), str):
        raise InputError(at, CLAUSE, "a file is an object with filepath and md5")
    relative = PurePosixPath(ref["filepath"])
    if relative.is_absolute() or ".." in relative.parts:
        raise InputError(f"{at}.filepath", CLAUSE, f"{ref['filepath']!r} leaves the package")
    name = (base / relative).as_posix()
    name = PurePosixPath(*[p for p in PurePosixPath(name).parts if p != "."]).as_posix() if name != "." else name
    if name not in source.members:
        raise InputError(f"{at}.filepath", CLAUSE, f"{ref['filepath']!r} is not in the package")
    return name
