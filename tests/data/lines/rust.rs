// 16 lines, 8 code, 6 comments, 2 blanks
/* block comment
   /* nested, as Rust allows */
   still a comment */
fn main() {
    let s = "// not a comment /* nor this";
    let t = "/* still a string */";

    println!("{} {}", s, t);
    /* one-line block */
}

// last
#[cfg(test)]
mod tests {}
fn f() {}
