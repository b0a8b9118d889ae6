"""BibTeX as found in users' real files (hand-kept lab bibliographies, CVs, theses): each
case is a trimmed excerpt of a public file whose papers an earlier sitegen lost or misread."""

from __future__ import annotations

from sitegen.clean import clean_plain, clean_text
from sitegen.model import SourceEntry
from sitegen.sources import bibtex
from sitegen.sources.encoding import decode_seed


def _read(text: str) -> tuple[list[SourceEntry], list[str]]:
    entries, problems = bibtex.parse(text, "refs.bib")
    return entries, [f"{p.line}: {p.message}" for p in problems]


def test_a_percent_comment_after_a_field_is_ignored_as_biber_ignores_it() -> None:
    # A hand-kept file (and biblatex's own examples) notes things after a field.
    text = (
        "@book{knuth1990,\n"
        "  author = {Knuth, Donald E.},\n"
        "  part = {2}, % here's an inline comment\n"
        "  year = 1990, % first printing\n"
        "  publisher = {Addison-Wesley Professional},\n"
        "  title  = {The {\\TeX} Book},\n"
        "}\n"
        '@String{Montgomery = " James Montgomery "} % a.k.a. Erin James Montgomery\n'
        "@article{m, author = Montgomery, title = {Ants}, year = 2005}\n"
    )
    entries, problems = _read(text)
    assert problems == []
    assert [(e.title, e.year) for e in entries] == [("The {\\TeX} Book", 1990), ("Ants", 2005)]
    assert entries[1].authors == ("James Montgomery",)


def test_a_percent_at_the_start_of_a_wrapped_value_line_is_text() -> None:
    # Emacs' bibtex-mode fills abstracts at column 70: a "%" can start a line of a value,
    # where BibTeX and biber read it as text. Cutting that line dropped the rest of the
    # abstract with its closing brace, and the fields after it.
    text = (
        "@Article{Han2018,\n"
        "  title =        {Smart Home Occupant Identification via Sensor Fusion},\n"
        "  abstract =     {We demonstrate that SenseTribute can correctly identify\n"
        "                  occupants in 96\n"
        "                  % of trials without labeled training data.},\n"
        "  year =         2018,\n"
        "  doi =          {10.1145/3218584},\n"
        "}\n"
    )
    entries, problems = _read(text)
    assert problems == []
    assert entries[0].abstract.endswith("% of trials without labeled training data.")
    assert (entries[0].year, entries[0].doi) == (2018, "10.1145/3218584")


def test_commented_out_fields_and_entries_are_still_ignored() -> None:
    text = (
        "%@article{old, title = {Gone}}\n"
        "@article{a,\n"
        "  title = {Kept},\n"
        "  % title = {An older title, with an unclosed {brace,\n"
        "  year = {2001},\n"
        "}\n"
        '@misc(b, title = "50 % of it", % a note\n'
        "  year = 2002)\n"
    )
    entries, problems = _read(text)
    assert problems == []
    assert [(e.title, e.year) for e in entries] == [("Kept", 2001), ("50 % of it", 2002)]


def test_an_author_whose_name_starts_with_an_accent_keeps_it() -> None:
    # A CV's entry (nagappan2015esecfse): bibtexparser's name splitter began the name
    # after "and" past its first escape, so "\'{E}ric" became "Eric" and "\L{}ukasz"
    # lost its first letter.
    text = (
        "@inproceedings{nagappan2015esecfse,\n"
        "Author={Meiyappan Nagappan and Romain Robbes and Yasutaka Kamei and \\'{E}ric "
        "Tanter and Shane McIntosh and Audris Mockus and Ahmed E. Hassan},\n"
        "\tTitle = {An Empirical Study of goto in C Code from GitHub Repositories},\n"
        "\tYear = {2015}}\n"
        "@article{k, author = {Kowalski, Jan and \\L{}ukasz Nowak and \\.{Z}ak, M. and "
        "{Simon and Schuster}}, title = {T}}\n"
    )
    entries, problems = _read(text)
    assert problems == []
    assert entries[0].authors[3] == "Éric Tanter"
    assert entries[1].authors == ("Jan Kowalski", "Łukasz Nowak", "M. Żak", "Simon and Schuster")


def test_latex_text_symbols_read_as_latex_prints_them() -> None:
    # The IRIDIA lab's abbrev.bib: "\slash" between publishers read "Pressslash".
    text = (
        '@string{add-menlo = " Menlo Park, CA"}\n'
        '@string{aaaimit\t= "{AAAI} Press\\slash {MIT} Press" # "," # add-menlo}\n'
        "@book{b, title = {Proceedings, \\S 3 and \\copyright\\ 2001}, publisher = aaaimit,"
        " author = {Andrea Roli}, year = 2001}\n"
    )
    entries, problems = _read(text)
    assert problems == []
    assert entries[0].venue == "AAAI Press/MIT Press, Menlo Park, CA"
    assert clean_plain(entries[0].title or "") == "Proceedings, §3 and © 2001"


def test_the_space_after_a_control_word_is_read_as_latex_reads_it() -> None:
    # Only the words holding LaTeX are parsed; the space after "\textquoteright" is
    # still LaTeX's (it ends the macro's name), not a space in the text.
    assert clean_plain("it\\textquoteright s 10\\textdegree C wide") == "it’s 10°C wide"
    assert clean_plain("\\collabvoyager is a name") == "collabvoyager is a name"


def test_authors_listed_with_commas_are_each_a_person() -> None:
    # A book's README cites it in Chinese and in English, authors between commas (a
    # full-width one in Chinese); BibTeX would read one garbled name from each.
    text = (
        "@book{wang2022easyrl,\n"
        "title = {Easy RL：强化学习教程},\n"
        "publisher = {人民邮电出版社},\n"
        "year = {2022},\n"
        "author = {王琦，杨毅远，江季},\n"
        "address = {北京},\n"
        "url = {https://github.com/datawhalechina/easy-rl}\n"
        "}\n"
        "@book{wang2022easyrl,\n"
        "title = {Easy RL: Reinforcement Learning Tutorial},\n"
        "publisher = {Posts & Telecom Press},\n"
        "year = {2022},\n"
        "author = {Qi Wang, Yiyuan Yang, Ji Jiang},\n"
        "}\n"
        "@misc{WangTLTutorial2018,\n"
        "    Author = {Jindon Wang et al.},\n"
        "    Title = {Transfer Learning Tutorial},\n"
        "    Year = {2018},\n"
        "}\n"
        "@article{k, author = {Kim, J., Lee, S., Park, H.}, title = {T},"
        " note = {and BibTeX's own forms stay: Ford, Jr., Henry}}\n"
        "@article{f, author = {Ford, Jr., Henry and van der Berg, Piet}, title = {F}}\n"
    )
    entries, problems = _read(text)
    assert problems == []
    assert [e.authors for e in entries] == [
        ("王琦", "杨毅远", "江季"),
        ("Qi Wang", "Yiyuan Yang", "Ji Jiang"),
        ("Jindon Wang",),
        ("J. Kim", "S. Lee", "H. Park"),
        ("Henry Ford, Jr.", "Piet van der Berg"),
    ]


def test_a_cv_owner_s_emphasised_name_is_read_as_a_name() -> None:
    # CVs and READMEs set their owner's name in bold or underlined; inside those braces
    # "Curie, M.T." was one word, shown with its comma.
    text = (
        "@INPROCEEDINGS{APS2020,\n"
        "author={\\textbf{Curie, M.T.} and M.R. Halfmoon and {DIII-D team} and {JET team}},\n"
        "year={2020},\n"
        "title={Exploring reduced predictive models for magnetic fluctuations},\n"
        "}\n"
        "@inproceedings{monalog,\n"
        "\ttitle={\\textbf{{MonaLog}: a Lightweight System for Natural Language Inference}},\n"
        "\tauthor={{\\bf Hu, Hai} and Chen, Qi and \\underline{Annette Waithira Irungu}},\n"
        "\tyear={2020}\n"
        "}\n"
    )
    entries, problems = _read(text)
    assert problems == []
    assert entries[0].authors == ("M.T. Curie", "M.R. Halfmoon", "DIII-D team", "JET team")
    assert entries[1].authors == ("Hai Hu", "Qi Chen", "Annette Waithira Irungu")


def test_a_citation_template_with_no_title_is_no_paper() -> None:
    # A README's citation left as a template: its title has no word in it.
    text = "@inproceedings{,\n   title={{}: },\n   author={},\n   booktitle={},\n   year={}\n}\n"
    entries, problems = _read(text)
    assert entries == []
    assert problems == ["1: @inproceedings{} has neither title nor abstract; entry skipped"]


def test_a_forgotten_comma_between_fields_or_after_the_key_loses_no_paper() -> None:
    # The slips hand-kept files make most; BibTeX fails on them, and sitegen skipped the
    # entry. Each is now read as meant, with a warning at its line naming what to fix.
    text = (
        "@article{missing_comma,\n"
        "  title = {Wasserstein GAN}\n"
        "  author = {Arjovsky, Martin and Chintala, Soumith and Bottou, L{\\'e}on},\n"
        "  year = {2017}\n"
        "}\n"
        "@Article{Baker83\n"
        '  title =        "An Exact Algorithm for the Time-Constrained Traveling Salesman",\n'
        "  year =         1983\n"
        "}\n"
    )
    entries, problems = _read(text)
    assert [(e.title, e.authors[-1:], e.year) for e in entries] == [
        ("Wasserstein GAN", ("Léon Bottou",), 2017),
        ("An Exact Algorithm for the Time-Constrained Traveling Salesman", (), 1983),
    ]
    assert problems == [
        "1: @article{missing_comma}: a comma is missing after field 'title'; "
        "read as if it were there",
        "6: @article{Baker83}: a comma is missing after the key; read as if it were there",
    ]


def test_html_in_an_exported_abstract_is_read_as_its_text() -> None:
    # A lab's Drupal Biblio export (cited in a project's docs) and PLOS's BibTeX put
    # abstracts in <p> tags; the tags showed on the paper's page as text.
    text = (
        "@article {4500,\n"
        "    title = {A perceptually inspired generative model of rigid-body contact sounds},\n"
        "    journal = {Proceedings of the 22nd International Conference on Digital Audio "
        "Effects (DAFx-19)},\n"
        "    year = {2019},\n"
        "    month = {09/2019},\n"
        "    abstract = {<p>Contact between rigid-body objects produces a diversity of impact "
        "and friction sounds.</p>\n"
        "},\n"
        "    author = {James Traer and Maddie Cusimano and Josh H. McDermott}\n"
        "}\n"
        "@article{plos, title = {Spontaneous Activity &amp; <i>in vivo</i> Plasticity},"
        " year = {2007}, abstract = {<p>One</p><p>Two &lt; three, if $x<b and c>0$.</p>}}\n"
    )
    entries, problems = _read(text)
    assert problems == []
    assert entries[0].abstract == (
        "Contact between rigid-body objects produces a diversity of impact and friction sounds."
    )
    assert entries[0].authors == ("James Traer", "Maddie Cusimano", "Josh H. McDermott")
    assert entries[1].title == "Spontaneous Activity & in vivo Plasticity"
    assert entries[1].abstract == "One  Two < three, if $x<b and c>0$."


def test_math_with_spaces_inside_its_dollars_is_math() -> None:
    # A PhD thesis's references.bib spaces its math, "$ 2^{nd} $", which Pandoc's rule for
    # prose (no space inside the dollars) left as text, dollars and all.
    text = (
        "@InProceedings{Abreu07,\n"
        '  author       = "Rui Abreu and Peter Zoeteweij",\n'
        '  title        = "On the Accuracy of Spectrum-Based Fault Localization",\n'
        '  booktitle    = "Proceedings of the $ 2^{nd} $ International Academic\n'
        '                 And Industrial Conference on Testing",\n'
        '  year         = "2007",\n'
        "}\n"
        "@InProceedings{Cardoso13c,\n"
        '  author       = "Nuno Cardoso and Rui Abreu",\n'
        '  title        = "$ \\text {MHS}^\\text {\\small 2} $: A Map-Reduce\n'
        '                 Heuristic-driven Minimal Hitting Set Search Algorithm",\n'
        '  year         = "2013",\n'
        "}\n"
    )
    entries, problems = _read(text)
    assert problems == []
    venue = entries[0].venue or ""
    assert venue.startswith("Proceedings of the 2^nd International Academic")
    title = clean_text(entries[1].title or "")
    assert "$" not in title.plain and "<math" in title.html
    assert (
        clean_plain("raised $ 5 billion and $ 10 million") == "raised $ 5 billion and $ 10 million"
    )


def test_macros_the_preamble_defines_are_expanded_as_latex_would() -> None:
    # BibTeX's own xampl.bib sorts Knuth's volumes with \noopsort, which its preamble
    # defines to print nothing: the year read 1973 instead of 1981. A paper's README
    # (COMPAS) and theses use the same macros for names, without the preamble.
    text = (
        '@preamble{ "\\newcommand{\\noopsort}[1]{} "\n'
        '# "\\newcommand{\\printfirst}[2]{#1} "\n'
        '# "\\newcommand{\\singleletter}[1]{#1} "\n'
        '# "\\newcommand{\\switchargs}[2]{#2#1} " }\n'
        "@BOOK{book-full,\n"
        'author = "Donald E. Knuth",\n'
        'title = "Seminumerical Algorithms",\n'
        'year = "{\\noopsort{1973c}}1981",\n'
        "}\n"
        "@BOOK{whole-set,\n"
        'author = "Donald E. Knuth",\n'
        'title = "The Art of Computer Programming {\\printfirst{I}{II}}",\n'
        'year = "{\\switchargs{--90}{1968}}",\n'
        "}\n"
    )
    other = (
        "@ARTICLE{COMPAS:2021methodsPaper,\n"
        "       author = {{\\noopsort{Team COMPAS}}{Team COMPAS: J. Riley} and  {Riley}, Jeff"
        " and {Agrawal}, Poojan},\n"
        "       title = {COMPAS: A rapid binary population synthesis suite},\n"
        "       year = 2022,\n"
        "}\n"
    )
    parsed = bibtex.parse_files([(text, "xampl.bib"), (other, "compas.bib")])
    (knuth, problems, _), (compas, more, _) = parsed
    assert problems == more == []
    assert [(e.title, e.year) for e in knuth] == [
        ("Seminumerical Algorithms", 1981),
        ("The Art of Computer Programming {I}", 1968),
    ]
    assert compas[0].authors == ("Team COMPAS: J. Riley", "Jeff Riley", "Poojan Agrawal")


def test_biblatex_extended_names_as_better_bibtex_writes_them() -> None:
    # Better BibTeX writes names with particles in biblatex's extended format (from a
    # user's bug report, and a games bibliography); each read as one garbled name.
    text = (
        "@software{vanDoorn2023,\n"
        "  title = {\\{whisper-Large-v3-Atcosim\\}},\n"
        "  author = {family=Doorn, given=Jan, prefix=van, useprefix=true},\n"
        "  date = {2023},\n"
        "  doi = {10.57967/hf/1387},\n"
        "  version = {99a8cc0}\n"
        "}\n"
        "@software{idsoftware1995,\n"
        "  title = {{{DOOM}} (1993)},\n"
        "  author = {family=Software, prefix=id, useprefix=true},\n"
        "  date = {1995-04-30},\n"
        "}\n"
        "@book{goethe2005, title = {Not A Real Book}, date = {2005},\n"
        "  author = {family=Goethe, given=Johann Wolfgang, prefix=von, useprefix=false and"
        " given=Antonie, prefix=van, family=Leeuwenhoek, useprefix=true and Doe, John}}\n"
    )
    entries, problems = _read(text)
    assert problems == []
    assert [e.authors for e in entries] == [
        ("Jan van Doorn",),
        ("id Software",),
        ("Johann Wolfgang von Goethe", "Antonie van Leeuwenhoek", "John Doe"),
    ]


def test_a_value_in_a_word_processor_s_curly_quotes_is_read() -> None:
    # An entry pasted through a word processor has its straight quotes made curly.
    text = "@article{smart, title = \u201cSmart quotes from Word\u201d, year = 2022}\n"
    entries, problems = _read(text)
    assert [(e.title, e.year) for e in entries] == [("Smart quotes from Word", 2022)]
    assert problems == [
        "1: @article{smart}: field 'title' is in curly quotes (“...”), not \"...\": "
        "read as if straight"
    ]


def test_a_full_width_comma_typed_after_a_value_is_read_as_a_comma() -> None:
    # A LaTeX tutorial's math.bib (JabRef): a Chinese input method typed "，" after the
    # title, and the whole book was skipped.
    text = (
        "% This file was created with JabRef 2.6\n"
        "% Encoding: UTF8\n"
        "\n"
        "@BOOK{Kline,\n"
        "  title = {古今数学思想}，\n"
        "  publisher = {上海科学技术出版社},\n"
        "  year = {2002},\n"
        "  author = {克莱因}，\n"
        "}\n"
    )
    entries, problems = _read(text)
    assert [(e.title, e.venue, e.year, e.authors) for e in entries] == [
        ("古今数学思想", "上海科学技术出版社", 2002, ("克莱因",))
    ]
    assert problems == [
        "4: @book{Kline}: field 'title' ends with a full-width comma (，): read as ','",
        "4: @book{Kline}: field 'author' ends with a full-width comma (，): read as ','",
    ]


def test_an_entry_closed_with_a_parenthesis_is_read() -> None:
    text = "@article{k1, title={Paren close}, year = 2020)\n@article{k2, title={After}}\n"
    entries, problems = _read(text)
    assert [(e.title, e.year) for e in entries] == [("Paren close", 2020), ("After", None)]
    assert problems == ["1: @article{k1} ends with ')' instead of '}'; read as if it were '}'"]


def test_a_file_pasted_together_from_utf8_and_latin1_exports_keeps_both_right() -> None:
    # Users paste a JabRef Latin-1 export below a Zotero UTF-8 one: read whole as
    # Windows-1252, every UTF-8 accent became mojibake ("MÃ¼ller").
    raw = (
        "@article{a, title = {Über München}, author = {Müller, Jörg}}\n".encode()
        + "@article{b, title = {Café au lait}, author = {Gödel, Kurt}}\n".encode("latin-1")
    )
    text, problems = decode_seed(raw, "refs.bib")
    assert text is not None
    entries, _ = _read(text)
    assert [(e.title, e.authors) for e in entries] == [
        ("Über München", ("Jörg Müller",)),
        ("Café au lait", ("Kurt Gödel",)),
    ]
    assert [(p.line, p.message) for p in problems] == [
        (
            2,
            "mixes encodings: read as UTF-8 but for 1 line (the first here) read as "
            "Windows-1252: check the accents there, or save the file as UTF-8",
        )
    ]


def test_a_url_escaped_for_latex_links_to_the_address() -> None:
    # Scripts that write BibTeX escape every value for LaTeX, URLs too (_ as \_, ~ as
    # {\textasciitilde}); hand-kept files do it so LaTeX without the url package accepts
    # them. The links pointed at the escapes.
    text = (
        "@misc{hoos, title = {ParamILS},"
        " url = {http://www.cs.ubc.ca/{\\textasciitilde}hoos/Param\\_ILS/index.html\\#top}}\n"
        "@misc{u2, title = {Braced}, url = {{https://example.org/a\\%20b?x=1\\&y=2}}}\n"
    )
    entries, problems = _read(text)
    assert problems == []
    assert [e.url for e in entries] == [
        "http://www.cs.ubc.ca/~hoos/Param_ILS/index.html#top",
        "https://example.org/a%20b?x=1&y=2",
    ]


def test_al_folio_s_pdf_and_html_links_give_the_arxiv_id_and_the_page() -> None:
    # An al-folio CV (_bibliography/papers.bib) links its papers by "pdf" and "html".
    text = (
        "---\n---\n\n"
        "@inproceedings{ma2026tooltrain,\n"
        "  title={ToolTrain: Tool-integrated Reinforcement Learning for Repo Deep Search},\n"
        "  author={Ma, Zexiong and Peng, Chao and Zeng, Qunhong},\n"
        "  booktitle={Proceedings of the IEEE/ACM 48th International Conference on Software"
        " Engineering (ICSE)},\n"
        "  year={2026},\n"
        "  selected={true},\n"
        "  pdf={https://arxiv.org/pdf/2508.03012},\n"
        "  html={https://conf.researchr.org/details/icse-2026/tooltrain},\n"
        "  code={https://github.com/Mizersy/RepoDeepSearch}\n"
        "}\n"
    )
    entries, problems = _read(text)
    assert problems == []
    assert (entries[0].arxiv, entries[0].url) == (
        "2508.03012",
        "https://conf.researchr.org/details/icse-2026/tooltrain",
    )


def test_a_preamble_macro_that_multiplies_itself_stops_growing() -> None:
    # Each round of expansion would multiply the value by a thousand: the title is
    # read, not expanded into gigabytes.
    text = (
        '@preamble{ "\\def\\x{' + "\\x" * 1000 + '}" }\n'
        "@article{bomb,\n"
        "title = {" + "\\x " * 5000 + "Bomb},\n"
        "author = {Doe, Jane},\n"
        "year = 2020,\n"
        "}\n"
    )
    assert "\\def\\x{\\x\\x" in text
    ((entries, _, _),) = bibtex.parse_files([(text, "bomb.bib")])
    assert len(entries) == 1 and len(entries[0].title or "") < 1_000_000
