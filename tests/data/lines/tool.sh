#!/bin/sh
# 6 lines, 3 code, 2 comments, 1 blanks

echo "# not a comment"
x=1
echo "$x"
