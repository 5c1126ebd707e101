"""A bumped tag that keeps its row's old digest is refused: it would deploy the old bytes."""

from __future__ import annotations

from pathlib import Path

import howtos
import pytest
from click.testing import CliRunner
from conftest import write_environment

import main
from aipp_constructs.cli import aipp
from aipp_constructs.core._config_loader import ConfigErrors
from aipp_constructs.review.image_pins import split_image, stale_pins

OLD = "sha256:" + "a" * 64
NEW = "sha256:" + "b" * 64


@pytest.mark.parametrize(
    ("image", "parts"),
    [
        ("harbor.example.com:5000/aipp/backend:v1.0.0@" + OLD, ("harbor.example.com:5000/aipp/backend", "v1.0.0", OLD)),
        ("library/redis:7.2.7", ("library/redis", "7.2.7", None)),
        ("registry:5000/app@" + OLD, ("registry:5000/app", None, OLD)),
        ("busybox", ("busybox", None, None)),
    ],
)
def test_split_image(image: str, parts: tuple[str, str | None, str | None]) -> None:
    assert split_image(image) == parts


@pytest.fixture
def pinned(tmp_path: Path) -> Path:
    """The fixture environment with enai-backend pinned to OLD, synthesized into tmp_path/dist."""
    return howtos.synth_fixture(tmp_path, {"images": {"enai-backend": {"digest": OLD}}})


def test_a_bump_that_keeps_the_old_digest_is_refused_and_dist_is_untouched(pinned: Path) -> None:
    environments = pinned.parent / "environments"
    write_environment(environments, "dev-meta", environments / "dev-meta.yaml", **{"images.enai-backend.tag": "v1.0.1"})
    before = {p: p.read_bytes() for p in pinned.rglob("*") if p.is_file()}
    with pytest.raises(ConfigErrors) as caught:
        main.synth_all(pinned, environments)
    lines = [str(error) for error in caught.value.errors]
    assert len(lines) == 1, lines
    assert "Deployment/aipp/enai-backend: container 'enai-backend': the image's tag changed" in lines[0]
    assert f"backend:v1.0.0@{OLD} -> " in lines[0] and "aipp images ENV COMPONENT --pin" in lines[0]
    assert {p: p.read_bytes() for p in pinned.rglob("*") if p.is_file()} == before
    result = CliRunner().invoke(aipp, ["diff", str(environments / "dev-meta.yaml"), "--dist", str(pinned)])
    assert result.exit_code == 1 and "the image's tag changed" in result.stdout


def test_a_bump_with_its_new_digest_and_a_digest_change_alone_are_accepted(pinned: Path) -> None:
    environments = pinned.parent / "environments"
    source = environments / "dev-meta.yaml"
    write_environment(
        environments, "dev-meta", source, **{"images.enai-backend.tag": "v1.0.1", "images.enai-backend.digest": NEW}
    )
    main.synth_all(pinned, environments)
    assert f"backend:v1.0.1@{NEW}" in (pinned / "dev-meta" / main.MANIFEST_FILE).read_text()
    assert stale_pins(pinned, pinned) == []
