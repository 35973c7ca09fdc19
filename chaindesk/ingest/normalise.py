"""A report's text as the reader works on it: pinyin annotations removed, traditional characters simplified,
full-width letters and digits half-width (Chinese punctuation kept), the doubled punctuation web mirrors leave
collapsed, white space tidied.

Reports copied from some web pages carry the pinyin of some characters right after them, in ASCII or full-width
brackets: "產(chǎn)業(yè)鏈" is "產業鏈". The annotation is a bracketed run of Latin letters (tone marks included) right
after a Chinese character; it is removed before anything else, while the brackets are still as they came."""

import re

from chaindesk.transfer.values_text import clean_text

# A syllable: lower-case letters and the pinyin vowels with tone marks (ā á ǎ à … ǖ ǘ ǚ ǜ ü, ḿ ń ň ǹ). Upper case
# is left alone: 人工智能(AI) keeps its abbreviation.
_PINYIN = "[a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜḿńňǹ]{1,6}"
_ANNOTATION = re.compile(rf"(?<=[\u3400-\u9fff\uf900-\ufaff])(?:\({_PINYIN}\)|（{_PINYIN}）)")
# The same mark twice or more in a row (，， 。。 、、), as some mirrors double every punctuation mark.
_DOUBLED = re.compile(r"([，。、；：！？,;:!?])\1+")


def strip_pinyin(text: str) -> str:
    """Remove the pinyin annotations after characters: 醫(yī)藥 → 醫藥."""
    return _ANNOTATION.sub("", text)


def normalise(text: str) -> str:
    """The report as the extractor reads it (see the module's docstring)."""
    return _DOUBLED.sub(r"\1", clean_text(strip_pinyin(text)))
