// 6 lines, 3 code, 2 comments, 1 blanks
#include <stdio.h>

int main(void) { /* crlf */
    return 0; }
// end
