"""Bundled samples: ``sample_dir`` finds one, ``load_sample`` reads it for notebooks.

The DiabPeerS sample (``data/samples/diabpeers`` of the repository) is a *synthetic*
reconstruction consistent with the aggregates the DiabPeerS paper publishes, not the
study's data (see its README.md). It is regenerated, byte for byte, by
``python -m chatcode.reproduce.datasets.build diabpeers``.

>>> corpus, codes, codebook = load_sample()          # doctest: +SKIP
>>> len(corpus.posts)                                # doctest: +SKIP
2584
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from chatcode.errors import ChatcodeError, Location

__all__ = ["codebook_path", "load_sample", "sample_dir", "sample_manifest"]


def _repo() -> Path:
    import chatcode

    return Path(chatcode.__file__).resolve().parents[2]


def sample_dir(name: str = "diabpeers") -> Path:
    """The folder of the bundled sample ``name`` (the repository's ``data/samples/NAME``).

    Raises ChatcodeError when it is not there, e.g. in an installed wheel, which holds no
    samples: then give the sample folder yourself."""
    path = _repo() / "data" / "samples" / name
    if not (path / "published.yaml").is_file() and not (path / "sample.yaml").is_file():
        raise ChatcodeError(
            f"the bundled sample {name!r} is not there", where=Location(path),
            hint="the samples come with the source repository (pip install -e .); in "
            "another install, clone the repository and pass the sample folder")
    return path


def codebook_path(name: str = "diabpeers") -> Path:
    """The repository's codebook ``codebooks/NAME.yaml``."""
    path = _repo() / "codebooks" / f"{name}.yaml"
    if not path.is_file():
        raise ChatcodeError(f"the codebook {name!r} is not there", where=Location(path),
                            hint="the codebooks come with the source repository; pass the "
                            "codebook file yourself")
    return path


def sample_manifest(folder: str | Path | None = None) -> dict:
    """The ``sample.yaml`` of a sample folder (default: the bundled DiabPeerS sample), with
    its paths made absolute."""
    folder = Path(folder) if folder is not None else sample_dir()
    manifest_path = folder / "sample.yaml"
    if not manifest_path.is_file():
        raise ChatcodeError("no sample.yaml in the sample folder", where=Location(folder),
                            hint="regenerate it: "
                            "python -m chatcode.reproduce.datasets.build diabpeers")
    data = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    for key in ("published", "codebook", "exports_jsonl", "roles"):
        if data.get(key):
            data[key] = (folder / data[key]).resolve()
    for key in ("exports", "codes"):
        data[key] = [(folder / p).resolve() for p in data.get(key, [])]
    return data


def load_sample(name: str = "diabpeers"):
    """The bundled sample as ``(corpus, codes, codebook)``: the corpus ingested from the
    workbook exports with the roles file, every coding sheet's codes (coders A and B,
    passes main, pretest and retest) and the codebook.

    Notes
    -----
    The tables of the paper use coder A's main pass:
    ``chatcode.coded_posts(corpus, codes, codebook, coder="A", pass_="main")``.
    """
    import chatcode

    manifest = sample_manifest(sample_dir(name))
    corpus = chatcode.ingest(manifest["exports"], roles=manifest["roles"],
                             timezone=manifest["timezone"])
    codebook = chatcode.load_codebook(manifest["codebook"])
    codes: pd.DataFrame = chatcode.read_codes(manifest["codes"], codebook=codebook,
                                              corpus=corpus)
    return corpus, codes, codebook
