// 4 lines, 2 code, 1 comments, 1 blanks
const a: number = 1;

export { a };
