"""One file's language, type and flags, by GitHub Linguist's rules (``Repository#compute_stats``).

For each regular file: ``.gitattributes`` overrides first (``linguist-vendored``,
``linguist-generated``, ``linguist-documentation``, ``linguist-language``,
``linguist-detectable``), then Linguist's own rules (vendor.yml, documentation.yml, generated
code, language detection) on the path and the first 128 KiB. A file is *counted* on the
language bar when it has a language, is not vendored, generated or documentation, and is
detectable (``linguist-detectable`` if set, else its type is programming or markup).

Cases where we follow Linguist rather than the obvious reading (all observed with Linguist 7.22):

* ``linguist-language=X`` makes a file X even if it is binary or empty: Linguist skips its
  binary test then, and counts the file.
* ``linguist-language`` set without a value (or to an unknown name) leaves the file with no
  language: it is not counted, and detection does not run.
* ``binary`` / ``-diff`` attributes do not exclude a file: only its content does.
* ``-linguist-vendored`` (unset) and ``linguist-vendored=false`` both mean "not vendored",
  overriding vendor.yml; any other value means vendored. The same for the other flags.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawler.linguist import languages
from crawler.linguist.gitattributes import AttrValue

#: The attributes Linguist reads.
LINGUIST_ATTRIBUTES = frozenset({
    "linguist-vendored", "linguist-generated", "linguist-documentation",
    "linguist-language", "linguist-detectable",
})

LFS_POINTER_PREFIX = b"version https://git-lfs.github.com/spec/"


@dataclass(frozen=True)
class Classification:
    """What Linguist's rules say of one file."""

    language: str | None
    group: str | None
    type: str | None
    vendored: bool
    generated: bool | None   # None: not tested (the file is excluded by its path already)
    documentation: bool
    binary: bool
    counted: bool
    lfs: bool


def _boolean(value: AttrValue) -> bool:
    """Linguist's ``boolean_attribute``: set, or any value but ``false``, is true."""
    return value is not False and value != "false"


def classify(path: str, prefix: bytes, attributes: dict[str, AttrValue], size: int | None = None) -> Classification:
    """Classify the file at ``path`` of ``size`` bytes (default: the prefix's) whose first 128 KiB are ``prefix``."""
    binary = languages.is_binary(prefix)

    vendored_attr = attributes.get("linguist-vendored")
    vendored = _boolean(vendored_attr) if vendored_attr is not None else languages.is_vendored(path)
    doc_attr = attributes.get("linguist-documentation")
    documentation = _boolean(doc_attr) if doc_attr is not None else languages.is_documentation(path)
    # Excluded by its path already (vendored, documentation): as Linguist, census runs no content
    # test on the file — neither the generated-code test nor language detection (heuristics and the
    # classifier are most of a scan's time); the language is what the name alone says, if anything.
    excluded = vendored or documentation
    gen_attr = attributes.get("linguist-generated")
    generated: bool | None
    if gen_attr is not None:
        generated = _boolean(gen_attr)
    else:
        generated = None if excluded else languages.is_generated(path, prefix)

    lang_attr = attributes.get("linguist-language")
    if lang_attr is not None and lang_attr is not False:
        # Set or given a value (even empty): Linguist looks the value up; a bare set finds nothing.
        found = languages.find_by_alias(lang_attr) if isinstance(lang_attr, str) else None
        name = found.name if found else None
    elif excluded:
        name = None if binary or not prefix else languages.by_name(path)
    else:
        name = languages.detect(path, prefix, size)

    info = languages.language(name) if name else None
    detectable_attr = attributes.get("linguist-detectable")
    if info is None or excluded or generated:
        counted = False
    elif detectable_attr is not None:
        counted = _boolean(detectable_attr)
    else:
        counted = info.type in languages.DETECTABLE_TYPES
    return Classification(
        language=name,
        group=info.group if info else None,
        type=info.type if info else None,
        vendored=vendored,
        generated=generated,
        documentation=documentation,
        binary=binary,
        counted=counted,
        lfs=prefix.startswith(LFS_POINTER_PREFIX) and len(prefix) < 1024,
    )
