"""Text files as offices save them: the encoding is recognised, not guessed blindly.

- A byte-order mark settles it: UTF-8, or UTF-16/UTF-32 as Excel's "Unicode text" and
  Notepad's "Unicode" save them.
- Otherwise UTF-8 when the whole file is valid UTF-8, else GB18030 (a superset of GBK:
  what Excel and Notepad write on Chinese Windows) when the whole file is valid GB18030.
- A file that starts as UTF-8 (Chinese text decodes cleanly) and then has bad bytes is
  damaged UTF-8 (cut short, or a paragraph pasted in another encoding), not GB18030:
  decoding it as GB18030 would turn every Chinese character into another one and import
  the result. It is refused, with the line of the first bad byte.
- Files that are not text at all (a workbook renamed to .csv, a PDF, UTF-16 without its
  byte-order mark) are refused and named for what they are.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from supervise.domain.errors import Defect, InputRejected
from supervise.domain.text import Text

# UTF-32 before UTF-16: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Characters that take three or four bytes in UTF-8: Chinese, full-width punctuation, emoji.
_WIDE = re.compile("[\u0800-\uffff\U00010000-\U0010ffff]")
_SIGNATURES = (
    (b"PK\x03\x04", Text("一个压缩包（如 .xlsx 工作簿）", "a zip archive (such as an .xlsx workbook)")),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        Text("旧版 Office 文件（.xls/.doc/.et）：请另存为 .xlsx", "an old Office file (.xls, .doc): save it as .xlsx"),
    ),
    (b"%PDF", Text("PDF 文件", "a PDF file")),
    (b"\x89PNG", Text("图片（PNG）", "an image (PNG)")),
    (b"\xff\xd8\xff", Text("图片（JPEG）", "an image (JPEG)")),
    (b"Rar!", Text("RAR 压缩包", "a RAR archive")),
    (b"7z\xbc\xaf", Text("7z 压缩包", "a 7z archive")),
)


def rejected(path: Path, text: Text, location: str = "") -> InputRejected:
    return InputRejected(str(path), [Defect(str(path), location, "", text)])


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise rejected(path, Text("文件不存在", "no such file")) from None
    except IsADirectoryError:
        raise rejected(path, Text("这是一个目录，不是文件", "a directory, not a file")) from None
    except OSError as exc:
        raise rejected(path, Text(f"无法读取：{exc.strerror}", f"cannot read: {exc.strerror}")) from None


def read_text(path: Path) -> str:
    return decode_text(path, read_bytes(path))


def binary_kind(data: bytes) -> Text | None:
    """What a file that is not text is, from its first bytes; None if it may be text."""
    for signature, kind in _SIGNATURES:
        if data.startswith(signature):
            return kind
    return None


def decode_text(path: Path, data: bytes) -> str:
    """The file's text: by its byte-order mark, else UTF-8, else GB18030; anything else is refused."""
    text = _text(path, data)
    if not text.strip():
        raise rejected(path, Text("文件为空", "the file is empty"))
    return text


def _text(path: Path, data: bytes) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _decode(path, data, codec)
    kind = binary_kind(data)
    if kind is not None:
        raise rejected(path, Text(f"不是文本文件，而是{kind.zh}", f"not a text file but {kind.en}"))
    if b"\x00" in data:
        nul = data.index(b"\x00")
        raise rejected(
            path,
            Text(
                "含有空字节（NUL）：这是二进制文件，或没有字节顺序标记的 UTF-16 文本；请另存为 UTF-8",
                "contains NUL bytes: a binary file, or UTF-16 text without its byte-order mark; save it as UTF-8",
            ),
            _line_of(data, nul),
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    if _mostly_utf8(data, first_bad):
        raise rejected(
            path,
            Text(
                f"UTF-8 文本在第 {first_bad} 字节处损坏：文件可能被截断，或混入了其他编码的内容",
                f"damaged UTF-8 at byte {first_bad}: the file was cut short, or mixes in text in another encoding",
            ),
            _line_of(data, first_bad),
        )
    return _decode(path, data, "gb18030")


def _mostly_utf8(data: bytes, first_bad: int) -> bool:
    """The text before the first bad byte already holds Chinese characters in UTF-8: damaged UTF-8.

    GB18030 text decoded as UTF-8 fails at (or right after) its first Chinese character: a
    GB18030 character pair forms a valid three-byte UTF-8 sequence about once in thirty
    times, so three of them in a row before the first failure happen about once in
    thirty thousand files. UTF-8 that was cut short, or has a pasted paragraph in another
    encoding, decodes cleanly up to the damage.
    """
    before = data[:first_bad].decode("utf-8")
    return len(_WIDE.findall(before)) >= 3


def _decode(path: Path, data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        name = {"utf-8-sig": "UTF-8", "utf-16": "UTF-16", "utf-32": "UTF-32", "gb18030": "GB18030"}[codec]
        problem = (
            Text(
                f"既不是 UTF-8 也不是 GB18030 文本（第 {exc.start} 字节）",
                f"neither UTF-8 nor GB18030 text (byte {exc.start})",
            )
            if codec == "gb18030"
            else Text(
                f"{name} 文本在第 {exc.start} 字节处损坏（文件可能被截断）",
                f"damaged {name} text at byte {exc.start} (the file may have been cut short)",
            )
        )
        raise rejected(path, problem, _line_of(data, exc.start, codec)) from None


def _line_of(data: bytes, position: int, codec: str = "utf-8") -> str:
    """``line N`` of a byte position, counting newlines as the file's encoding writes them."""
    newline = b"\n"
    if codec in ("utf-16", "utf-32"):
        little = data.startswith(codecs.BOM_UTF16_LE)  # also true of the UTF-32 LE mark
        width = 2 if codec == "utf-16" else 4
        pad = b"\x00" * (width - 1)
        newline = b"\n" + pad if little else pad + b"\n"
    return f"line {data.count(newline, 0, position) + 1}"
