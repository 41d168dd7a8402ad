"""A web page saved whole (Ctrl+S) as the lines of text a browser shows, for the page readers.

Text in block elements (``div``, ``p``, ``h3``, ``li`` ...) and after ``<br>`` starts a new line;
inline elements (``a``, ``span``, ``b``) join their words into the line around them; scripts,
styles, SVG drawings and the document head show nothing, and the site's navigation and footer
are left out. Each line keeps the number of the source line its text starts on, so a reader's
messages point into the saved file. Links to a paper's page (``/papers/2401.01234`` on Hugging
Face, ``arxiv.org/abs/...``) are collected by their text, so a title that is such a link gets
its arXiv id.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from kg.sources.base import arxiv_id_from
from kg.text import collapse_spaces

#: elements whose start and end break the text into lines
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td",
    "th", "tr", "ul",
})
#: elements whose content a browser does not show as text, and the site's navigation and footer
#: (chrome around the page's own content)
_HIDDEN = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "object",
                     "nav", "footer"})
#: what a document's head holds; any other element starts the body, since "</head>" (and
#: "<body>") may be left out
_HEAD_CONTENT = frozenset({"head", "title", "meta", "link", "base", "style", "script", "noscript", "template"})
#: a link to a paper's page: Hugging Face's /papers/ID, or an arXiv abstract page
_PAPER_LINK = re.compile(r"(?:^|/)papers/(\d{4}\.\d{4,5})(?:v\d+)?/?$|arxiv\.org/abs/")



def paper_link_id(href: str) -> str | None:
    """The arXiv id of a link to a paper's page (``/papers/2401.01234``, an arXiv abstract)."""
    paper = _PAPER_LINK.search(href)
    return (paper and arxiv_id_from(paper.group(1) or href)) or None


class _PageText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []
        self.links: dict[str, str] = {}  # a link's text (spaces collapsed) -> arXiv id
        self._words: list[str] = []  # the current line's text, as pieces
        self._started = False  # whether the current line has visible text yet
        self._line_number = 0  # the source line that text starts on
        self._hidden = 0  # depth inside elements that show nothing
        self._hidden_since: tuple[str, int] | None = None  # the outermost such element: its tag, its line
        self._hidden_chars = 0  # characters of text inside it
        self._in_head = False
        self._link: tuple[str, list[str]] | None = None  # an open paper link: its id, its text

    def _break(self) -> None:
        text = collapse_spaces("".join(self._words))
        if text:
            self.lines.append((self._line_number, text))
        self._words, self._started = [], False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "head":
            self._in_head = True
        elif tag not in _HEAD_CONTENT:
            self._in_head = False
        if tag in _HIDDEN:
            if not self._hidden:
                self._hidden_since, self._hidden_chars = (tag, self.getpos()[0]), 0
            self._hidden += 1
        elif tag in _BLOCKS:
            self._break()
        if tag == "a":
            href = dict(attrs).get("href") or ""
            arxiv_id = paper_link_id(href)
            self._link = (arxiv_id, []) if arxiv_id else None

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:  # <br/>, <hr/>
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self._in_head = False
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCKS:
            self._break()
        if tag == "a" and self._link is not None:
            arxiv_id, words = self._link
            text = collapse_spaces("".join(words))
            if text:
                self.links.setdefault(text, arxiv_id)
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._hidden:
            self._hidden_chars += len(data)
            return
        if self._in_head:
            return
        if not self._started and data.strip():
            # the line's number: where its first visible character is in the source
            self._line_number = self.getpos()[0] + data[: len(data) - len(data.lstrip())].count("\n")
            self._started = True
        self._words.append(data)  # inline elements join their text as written: "A<b>bc</b>" is "Abc"
        if self._link is not None:
            self._link[1].append(data)

    def close(self) -> None:
        # HTMLParser drops the text of a <script> or <style> never ended without handing it over
        if self.cdata_elem and self._hidden:
            self._hidden_chars += len(self.rawdata)
        super().close()
        self._break()

    def unclosed_hidden(self) -> str | None:
        """What went unread because an element that shows nothing (a script, the navigation)
        is never closed: a browser hides the rest of the page too, the user should hear of it."""
        if not self._hidden or self._hidden_since is None or not self._hidden_chars:
            return None
        tag, line = self._hidden_since
        return (f"the <{tag}> element at line {line} is never closed: the {self._hidden_chars:,} characters "
                "after it are inside it, and a browser shows none of them")


# how HTMLParser finds the end of a comment and of a marked section ("<![CDATA[", "<![if")
_COMMENT_END = re.compile(r"--\s*>")
_MARKED_SECTION_END = re.compile(r"\]\s*>")


def _defuse_unended_tags(html: str) -> str:
    """``html`` with every "<" after its last ">" escaped, and every "<!--" after its last
    comment end, and every "<![" after its last "]>". None of them can end, and HTMLParser looks
    for the end of each one up to the end of the text: 60 KB of "<a " took half a minute, 360 KB
    of "<!--x>" longer. A browser drops such a tail; here it is text."""
    tail_start = html.rfind(">") + 1
    if "<" in html[tail_start:]:
        html = html[:tail_start] + html[tail_start:].replace("<", "&lt;")
    for opener, end in (("<!--", _COMMENT_END), ("<![", _MARKED_SECTION_END)):
        if opener not in html:
            continue
        last_end = 0
        for last_end_match in end.finditer(html):
            last_end = last_end_match.end()
        if opener in html[last_end:]:
            html = html[:last_end] + html[last_end:].replace(opener, "&lt;" + opener[1:])
    return html


# "<!" that opens no comment: a declaration ("<!DOCTYPE"), a marked section ("<![CDATA[")
_DECLARATION_OPEN = re.compile(r"<!(?!--)")


def page_lines(html: str) -> tuple[list[tuple[int, str]], dict[str, str], str | None]:
    """The lines of text a browser shows for ``html``, each with the source line it starts on,
    the arXiv ids of paper links by their text, and what went unread inside an element never
    closed (or None)."""
    html = _defuse_unended_tags(html)
    try:
        parser = _PageText()
        parser.feed(html)
        parser.close()
    except AssertionError:
        # HTMLParser gives up on declarations and marked sections it does not know ("<![x]>",
        # "<!DOCTYPE x [ <!FOO ...") with an AssertionError; a browser reads them as bogus
        # comments. Read again with them as text, which the page's own text outlives.
        parser = _PageText()
        parser.feed(_DECLARATION_OPEN.sub("&lt;!", html))
        parser.close()
    return parser.lines, parser.links, parser.unclosed_hidden()


def page_text(html: str) -> str:
    """The text a browser shows for ``html``, a line per block."""
    return "\n".join(line for _, line in page_lines(html)[0])
