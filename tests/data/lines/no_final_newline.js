// 4 lines, 2 code, 1 comments, 1 blanks
var a = 1;

var b = "no final newline";