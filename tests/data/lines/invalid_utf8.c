/* 5 lines, 3 code, 1 comments, 1 blanks */
char *s = "café ÿþ";

int x = 1;
int y = 2;
