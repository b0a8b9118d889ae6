"""Real-world-shaped exports built end to end: every paper, its fields as the exporter meant
them, and no warning (``tests/data/exports/``: Zotero Better BibTeX, JabRef with groups,
Mendeley Desktop, Google Scholar, BibLaTeX dates, Zotero CSL-JSON), beside a listing and an
abstract dump of the sample seeds."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from sitegen.cli import cli
from tests.conftest import REPO, build

EXPORTS = Path(__file__).parent / "data" / "exports"
LISTING = "003_2747324a0543969f.txt"  # 84 titled papers
DUMP = "000_6af1ad890a215dbb.txt"  # 4 untitled ones
EXPECTED = {  # title: (year, authors, arxiv, tags)
    "Attention Is All You Need": (2017, 8, "1706.03762", 2),
    "Language Models Are Few-Shot Learners": (2020, 3, "2005.14165", 1),
    "Denoising Diffusion Probabilistic Models": (2020, 3, "2006.11239", 0),
    "Deep Residual Learning for Image Recognition": (2016, 4, None, 0),
    "Deep learning": (2015, 3, None, 0),
    "Generative Adversarial Networks": (2014, 3, "1406.2661", 2),
    "Auto-Encoding Variational Bayes": (2014, 2, None, 2),
    "Learning transferable visual models from natural language supervision": (None, 3, None, 0),
    "An image is worth 16x16 words: Transformers for image recognition at scale": (
        None,
        3,
        None,
        0,
    ),
    "Scaling laws for neural language models": (2020, 3, "2001.08361", 0),
    "Mastering the game of Go with deep neural networks and tree search": (2016, 2, None, 0),
    "An Imagined Paper with a Month Date": (2021, 1, None, 0),
    "A Technical Report with a Date Range": (2019, 1, None, 0),
    "Highly accurate protein structure prediction with AlphaFold": (2021, 2, None, 0),
    "GPT-4 Technical Report": (2023, 1, "2303.08774", 0),
    "A Preprint with a Season": (2022, 3, None, 0),
    "A Raw Date Paper": (2019, 0, None, 0),
}


def test_real_exports_build_with_every_paper_and_no_warning(
    make_project: Callable[..., Path],
) -> None:
    root = make_project()
    for seed in (*EXPORTS.iterdir(), REPO / "seeds" / LISTING, REPO / "seeds" / DUMP):
        shutil.copy(seed, root / "seeds" / seed.name)
    checked = CliRunner().invoke(cli, ["-C", str(root), "check", "--strict"])
    assert checked.exit_code == 0, checked.output
    assert "ok: 105 entries, 105 papers" in checked.output
    assert build(root, "--strict").exit_code == 0
    site = root / "_site"
    papers = json.loads((site / "papers.json").read_text(encoding="utf-8"))["papers"]
    assert len(papers) == 84 + 4 + len(EXPECTED)
    by_title = {paper["title"]: paper for paper in papers}
    for title, (year, authors, arxiv, tags) in EXPECTED.items():
        paper = by_title[title]
        assert (paper["year"], len(paper["authors"]), len(paper["tags"])) == (year, authors, tags)
        html = (site / "papers" / paper["key"] / "index.html").read_text(encoding="utf-8")
        assert arxiv is None or f"arxiv.org/abs/{arxiv}" in html, title
        assert "{" not in paper["title"] and "\\" not in html.split("<main")[1].split("</main")[0]
    assert "Unread <strong>105</strong>" in (site / "index.html").read_text(encoding="utf-8")
    seasonal = by_title["A Preprint with a Season"]["authors"]
    assert seasonal == ["Rich Roe", "Anna van der Berg", "Bert van den Berg"]
    assert by_title["Highly accurate protein structure prediction with AlphaFold"]["authors"] == [
        "John Jumper",
        "DeepMind Team",
    ]
    assert sorted(by_title["Auto-Encoding Variational Bayes"]["tags"]) == ["VAE", "generative"]
