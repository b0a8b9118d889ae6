"""Normal exports load without a warning, so `--strict` stays usable on them.

`--strict` makes every warning an error: a warning must be something the user can and
should fix, never the normal shape of a DBLP, ACL Anthology, ACM or Crossref export.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from sitegen.cli import cli
from sitegen.sources import parse_seed_text

from .conftest import build

# As dblp.org exports a person's or a search's papers with "BibTeX (with crossref)":
# each paper carries its own booktitle and year plus a crossref to its volume, and the
# volumes follow as @proceedings; CoRR preprints are @article with journal = {CoRR}.
DBLP = r"""@inproceedings{DBLP:conf/nips/VaswaniSPUJGKP17,
  author       = {Ashish Vaswani and
                  Noam Shazeer and
                  Niki Parmar and
                  Jakob Uszkoreit and
                  Llion Jones and
                  Aidan N. Gomez and
                  Lukasz Kaiser and
                  Illia Polosukhin},
  editor       = {Isabelle Guyon and
                  Ulrike von Luxburg and
                  Samy Bengio},
  title        = {Attention is All you Need},
  booktitle    = {Advances in Neural Information Processing Systems 30: Annual Conference
                  on Neural Information Processing Systems 2017, December 4-9, 2017, Long
                  Beach, CA, {USA}},
  pages        = {5998--6008},
  year         = {2017},
  crossref     = {DBLP:conf/nips/2017},
  url          = {https://proceedings.neurips.cc/paper/2017/hash/3f5ee243547dee91fbd053c1c4a845aa-Abstract.html},
  timestamp    = {Thu, 21 Jan 2021 15:15:21 +0100},
  biburl       = {https://dblp.org/rec/conf/nips/VaswaniSPUJGKP17.bib},
  bibsource    = {dblp computer science bibliography, https://dblp.org}
}

@inproceedings{DBLP:conf/nips/HoJA20,
  author       = {Jonathan Ho and
                  Ajay Jain and
                  Pieter Abbeel},
  title        = {Denoising Diffusion Probabilistic Models},
  booktitle    = {Advances in Neural Information Processing Systems 33: Annual Conference
                  on Neural Information Processing Systems 2020, NeurIPS 2020, December
                  6-12, 2020, virtual},
  year         = {2020},
  crossref     = {DBLP:conf/nips/2020},
  url          = {https://proceedings.neurips.cc/paper/2020/hash/4c5bcfec8584af0d967f1ab10179ca4b-Abstract.html},
  timestamp    = {Tue, 19 Jan 2021 15:57:06 +0100},
  biburl       = {https://dblp.org/rec/conf/nips/HoJA20.bib},
  bibsource    = {dblp computer science bibliography, https://dblp.org}
}

@inproceedings{DBLP:conf/nips/BrownMRSKDNSSAA20,
  author       = {Tom B. Brown and
                  Benjamin Mann and
                  Nick Ryder},
  title        = {Language Models are Few-Shot Learners},
  booktitle    = {Advances in Neural Information Processing Systems 33: Annual Conference
                  on Neural Information Processing Systems 2020, NeurIPS 2020, December
                  6-12, 2020, virtual},
  year         = {2020},
  crossref     = {DBLP:conf/nips/2020},
  url          = {https://proceedings.neurips.cc/paper/2020/hash/1457c0d6bfcb4967418bfb8ac142f64a-Abstract.html},
  biburl       = {https://dblp.org/rec/conf/nips/BrownMRSKDNSSAA20.bib},
  bibsource    = {dblp computer science bibliography, https://dblp.org}
}

@inproceedings{DBLP:conf/cvpr/HeZRS16,
  author       = {Kaiming He and
                  Xiangyu Zhang and
                  Shaoqing Ren and
                  Jian Sun 0001},
  title        = {Deep Residual Learning for Image Recognition},
  booktitle    = {2016 {IEEE} Conference on Computer Vision and Pattern Recognition,
                  {CVPR} 2016, Las Vegas, NV, USA, June 27-30, 2016},
  pages        = {770--778},
  publisher    = {{IEEE} Computer Society},
  year         = {2016},
  crossref     = {DBLP:conf/cvpr/2016},
  url          = {https://doi.org/10.1109/CVPR.2016.90},
  doi          = {10.1109/CVPR.2016.90},
  timestamp    = {Fri, 24 Mar 2023 00:02:56 +0100},
  biburl       = {https://dblp.org/rec/conf/cvpr/HeZRS16.bib},
  bibsource    = {dblp computer science bibliography, https://dblp.org}
}

@article{DBLP:journals/corr/abs-2303-08774,
  author       = {OpenAI},
  title        = {{GPT-4} Technical Report},
  journal      = {CoRR},
  volume       = {abs/2303.08774},
  year         = {2023},
  url          = {https://doi.org/10.48550/arXiv.2303.08774},
  doi          = {10.48550/ARXIV.2303.08774},
  eprinttype    = {arXiv},
  eprint       = {2303.08774},
  timestamp    = {Mon, 28 Aug 2023 21:19:12 +0200},
  biburl       = {https://dblp.org/rec/journals/corr/abs-2303-08774.bib},
  bibsource    = {dblp computer science bibliography, https://dblp.org}
}

@article{DBLP:journals/nature/SilverHMGSDSAPL16,
  author       = {David Silver and
                  Aja Huang and
                  Chris J. Maddison},
  title        = {Mastering the game of Go with deep neural networks and tree search},
  journal      = {Nat.},
  volume       = {529},
  number       = {7587},
  pages        = {484--489},
  year         = {2016},
  url          = {https://doi.org/10.1038/nature16961},
  doi          = {10.1038/NATURE16961},
  timestamp    = {Thu, 14 Oct 2021 09:14:59 +0200},
  biburl       = {https://dblp.org/rec/journals/nature/SilverHMGSDSAPL16.bib},
  bibsource    = {dblp computer science bibliography, https://dblp.org}
}

@proceedings{DBLP:conf/nips/2017,
  editor       = {Isabelle Guyon and
                  Ulrike von Luxburg and
                  Samy Bengio},
  title        = {Advances in Neural Information Processing Systems 30: Annual Conference
                  on Neural Information Processing Systems 2017, December 4-9, 2017, Long
                  Beach, CA, {USA}},
  year         = {2017},
  url          = {https://proceedings.neurips.cc/paper/2017},
  timestamp    = {Thu, 21 Jan 2021 15:15:21 +0100},
  biburl       = {https://dblp.org/rec/conf/nips/2017.bib},
  bibsource    = {dblp computer science bibliography, https://dblp.org}
}

@proceedings{DBLP:conf/nips/2020,
  editor       = {Hugo Larochelle and
                  Marc'Aurelio Ranzato},
  title        = {Advances in Neural Information Processing Systems 33: Annual Conference
                  on Neural Information Processing Systems 2020, NeurIPS 2020, December
                  6-12, 2020, virtual},
  year         = {2020},
  url          = {https://proceedings.neurips.cc/paper/2020},
  biburl       = {https://dblp.org/rec/conf/nips/2020.bib},
  bibsource    = {dblp computer science bibliography, https://dblp.org}
}

@proceedings{DBLP:conf/cvpr/2016,
  title        = {2016 {IEEE} Conference on Computer Vision and Pattern Recognition,
                  {CVPR} 2016, Las Vegas, NV, USA, June 27-30, 2016},
  publisher    = {{IEEE} Computer Society},
  year         = {2016},
  url          = {https://ieeexplore.ieee.org/xpl/conhome/7776647/proceeding},
  isbn         = {978-1-4673-8851-1},
  biburl       = {https://dblp.org/rec/conf/cvpr/2016.bib},
  bibsource    = {dblp computer science bibliography, https://dblp.org}
}
"""

DBLP_TITLES = [
    "Attention is All you Need",
    "Denoising Diffusion Probabilistic Models",
    "Language Models are Few-Shot Learners",
    "Deep Residual Learning for Image Recognition",
    "GPT-4 Technical Report",
    "Mastering the game of Go with deep neural networks and tree search",
]


def parse(text: str, name: str = "seeds/dblp.bib") -> tuple[list[str], list[str]]:
    entries, problems = parse_seed_text(text, name)
    return [e.title or "" for e in entries], [str(p) for p in problems]


def test_a_dblp_export_with_crossrefs_gives_its_papers_and_no_warning() -> None:
    titles, problems = parse(DBLP)
    assert problems == []
    assert [t.replace("{", "").replace("}", "") for t in titles] == DBLP_TITLES


def test_dblp_check_and_build_pass_with_strict(make_project: Callable[..., Path]) -> None:
    root = make_project({"seeds/dblp.bib": DBLP})
    checked = CliRunner().invoke(cli, ["-C", str(root), "check", "--strict"])
    assert checked.exit_code == 0, checked.output
    assert "ok: 6 entries, 6 papers" in checked.stdout
    assert "warning" not in checked.output
    built = build(root, "--strict")
    assert built.exit_code == 0, built.output
    papers = json.loads((root / "_site" / "papers.json").read_text(encoding="utf-8"))["papers"]
    assert len(papers) == 6
    assert not any(p["title"].startswith("Advances in Neural") for p in papers)


def test_papers_pasted_one_by_one_from_dblp_repeat_their_volume_silently() -> None:
    # "with crossref" of one paper at a time: each paper followed by its volume.
    first, second = DBLP.split("@inproceedings{DBLP:conf/nips/BrownMRSKDNSSAA20")
    volume = "@proceedings{DBLP:conf/nips/2020" + DBLP.split("@proceedings{DBLP:conf/nips/2020")[1]
    volume = volume.split("@proceedings{DBLP:conf/cvpr")[0]
    text = first + volume + "\n@inproceedings{DBLP:conf/nips/BrownMRSKDNSSAA20" + second
    titles, problems = parse(text)
    assert problems == []
    assert len(titles) == 6


def test_a_key_given_to_two_entries_warns_only_when_a_crossref_names_it() -> None:
    # Google Scholar's keys pasted into one file: he2016deep for two papers.
    pasted = (
        "@inproceedings{he2016deep, title={Deep residual learning for image recognition},"
        " booktitle={CVPR}, year={2016}}\n"
        "@article{he2016deep, title={Deep networks with stochastic depth}, year={2016},"
        " journal={ECCV}}\n"
    )
    titles, problems = parse(pasted)
    assert len(titles) == 2
    assert problems == []
    volumes = (
        "@book{v, title = {One Volume}, year = 2020}\n"
        "@book{v, title = {Another Volume}, year = 2021}\n"
        "@incollection{c, title = {A Chapter}, crossref = {v}}\n"
    )
    titles, problems = parse(volumes)
    assert titles == ["Another Volume", "A Chapter"]
    assert problems == [
        "seeds/dblp.bib:3: warning: @incollection{c}: crossref 'v' names two entries in this "
        "file (lines 1 and 2); the first is read: give one another key"
    ]


def test_a_missing_volume_warns_only_when_the_paper_lacks_its_venue_or_year() -> None:
    pasted = DBLP.split("@proceedings")[0]  # the papers without their volumes
    assert parse(pasted) == (parse(DBLP)[0], [])
    bare = "@inproceedings{p,\n  title = {Only a Crossref},\n  crossref = {DBLP:conf/x/2020},\n}\n"
    titles, problems = parse(bare)
    assert titles == ["Only a Crossref"]
    assert problems == [
        "seeds/dblp.bib:1: warning: @inproceedings{p}: crossref 'DBLP:conf/x/2020' names no "
        "entry in any BibTeX seed file, and the entry has no venue or year of its own: add the volume's entry"
    ]


# The ACL Anthology's file of one volume (the BibTeX link on a volume's page): the
# @proceedings first, then its papers, each with the volume's title as booktitle and
# no crossref. ACM's proceedings exports do the same, with "KDD '19: " before the title.
ACL_VOLUME = """@proceedings{naacl-2019-2019,
    title = "Proceedings of the 2019 Conference of the North {A}merican Chapter of the Association for Computational Linguistics: Human Language Technologies, Volume 1 (Long and Short Papers)",
    editor = "Burstein, Jill  and
      Doran, Christy",
    month = jun,
    year = "2019",
    address = "Minneapolis, Minnesota",
    publisher = "Association for Computational Linguistics",
    url = "https://aclanthology.org/N19-1000",
}

@inproceedings{devlin-etal-2019-bert,
    title = "{BERT}: Pre-training of Deep Bidirectional Transformers for Language Understanding",
    author = "Devlin, Jacob  and
      Chang, Ming-Wei",
    booktitle = "Proceedings of the 2019 Conference of the North {A}merican Chapter of the Association for Computational Linguistics: Human Language Technologies, Volume 1 (Long and Short Papers)",
    month = jun,
    year = "2019",
    publisher = "Association for Computational Linguistics",
    url = "https://aclanthology.org/N19-1423",
    doi = "10.18653/v1/N19-1423",
    pages = "4171--4186",
}

@proceedings{10.1145/3292500,
title = {KDD '19: Proceedings of the 25th ACM SIGKDD International Conference on Knowledge Discovery \\& Data Mining},
year = {2019},
isbn = {9781450362016},
publisher = {Association for Computing Machinery},
address = {New York, NY, USA},
}

@inproceedings{10.1145/3292500.3330701,
author = {Ying, Rex and He, Ruining},
title = {Graph Convolutional Neural Networks for Web-Scale Recommender Systems},
year = {2019},
publisher = {Association for Computing Machinery},
doi = {10.1145/3292500.3330701},
booktitle = {Proceedings of the 25th ACM SIGKDD International Conference on Knowledge Discovery \\& Data Mining},
series = {KDD '19}
}

@proceedings{lonely,
  title = {Proceedings of a Workshop Read Cover to Cover},
  year = {2021},
}
"""


def test_volumes_in_acl_and_acm_exports_are_venues_not_papers() -> None:
    titles, problems = parse(ACL_VOLUME)
    assert problems == []
    # A proceedings volume no paper names stays: the user listed it.
    assert [t.replace("{", "").replace("}", "") for t in titles] == [
        "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
        "Graph Convolutional Neural Networks for Web-Scale Recommender Systems",
        "Proceedings of a Workshop Read Cover to Cover",
    ]


def test_crossref_api_container_titles_of_book_and_series_are_read_without_warning() -> None:
    item = {
        "type": "chapter",
        "title": ["Deep Learning for Images", "A translated title"],
        "container-title": ["Computer Vision – ECCV 2020", "Lecture Notes in Computer Science"],
        "DOI": "10.1007/978-3-030-58452-8_1",
        "issued": {"date-parts": [[2020]]},
    }
    entries, problems = parse_seed_text(json.dumps([item]), "seeds/crossref.json")
    assert problems == []
    assert (entries[0].title, entries[0].venue) == (
        "Deep Learning for Images",
        "Computer Vision – ECCV 2020",
    )


# ScienceDirect (Elsevier) writes one keywords field per keyword; Zotero's own BibTeX
# export writes one annote field per note.
ELSEVIER = """@article{MCABEE2017277,
title = "Inductive reasoning: The promise of big data",
journal = "Human Resource Management Review",
volume = "27",
number = "2",
pages = "277 - 290",
year = "2017",
issn = "1053-4822",
doi = "https://doi.org/10.1016/j.hrmr.2016.08.005",
author = "Samuel T. McAbee and Ronald S. Landis and Maura I. Burke",
keywords = "Big data",
keywords = "Theory",
keywords = "Inductive reasoning",
annote = {First note},
annote = {Second note},
url = "https://doi.org/10.1016/j.hrmr.2016.08.005",
url = "https://doi.org/10.1016/j.hrmr.2016.08.005",
}
"""


def test_fields_given_once_per_value_are_read_whole_without_warning() -> None:
    (entry,), problems = parse_seed_text(ELSEVIER, "seeds/sciencedirect.bib")
    assert problems == []
    assert entry.tags == ("Big data", "Theory", "Inductive reasoning")
    assert entry.doi == "10.1016/j.hrmr.2016.08.005"
    # Two different titles: one is dropped, which the user should hear of.
    _, problems = parse_seed_text(
        "@article{w, title = {English title}, title = {Título en español}, year = 2020}\n",
        "seeds/wiley.bib",
    )
    assert [str(p) for p in problems] == [
        "seeds/wiley.bib:1: warning: @article{w}: field 'title' is given twice; the first is used"
    ]


def test_a_proceedings_is_a_venue_only_for_a_booktitle_that_is_its_title() -> None:
    text = (
        "@inproceedings{p, title = {A Paper}, booktitle = {{}}, year = 2020}\n"
        "@proceedings{v, title = {Workshop Notes}, year = 2020}\n"
        "@proceedings{w, title = {Colon at the end:}, year = 2020}\n"
    )
    titles, problems = parse(text)
    assert titles == ["A Paper", "Workshop Notes", "Colon at the end:"]
    assert problems == []
