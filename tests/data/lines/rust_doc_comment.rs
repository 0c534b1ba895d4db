// 7 lines, 2 code, 4 comments, 1 blanks: tokei 12 loses two of the nine lines around doc comments (tokei #713)
/* A */

/// a doc comment, which tokei counts as embedded Markdown
/// (a second line)
struct C;

/// another
fn f() {}
