# 17 lines, 10 code, 3 comments, 4 blanks (a blank line inside a doc string is code)
"""A module doc string: tokei counts doc strings as code by default.

It spans several lines."""

import os  # a trailing comment does not make a comment line


def main():
    # a comment line
    text = "# not a comment"
    other = '""" not a doc string """'
    return os.path.join(text, other)

# the end
if __name__ == "__main__":
    main()
