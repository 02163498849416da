// Syntax tree of the simulator's shell for sh-like machines (ESXi, Linux guests): simple commands in
// pipelines, joined by `;`, newlines, `&&` and `||`, with `$(...)` and variables inside words.

/** A piece of a word: literal text, a command substitution, or a variable reference. */
export type WordPart =
  | { type: 'lit'; text: string; quoted: boolean }
  | { type: 'sub'; body: ListNode; quoted: boolean }
  | { type: 'var'; name: string; quoted: boolean };

export interface Word {
  parts: WordPart[];
}

export interface SimpleCommand {
  assignments: { name: string; value: Word }[];
  words: Word[];
}

export interface Pipeline {
  commands: SimpleCommand[];
}

export interface AndOr {
  first: Pipeline;
  rest: { op: '&&' | '||'; pipeline: Pipeline }[];
}

export interface ListNode {
  items: AndOr[];
}
