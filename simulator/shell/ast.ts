// Syntax tree of the POSIX-ish shell the simulator runs for sh-like machines (ESXi, Linux guests).

/** A piece of a word: literal text, a command substitution, or a variable reference. */
export type WordPart =
  | { type: 'lit'; text: string; quoted: boolean }
  | { type: 'sub'; body: ListNode; quoted: boolean }
  | { type: 'var'; name: string; quoted: boolean };

export interface Word {
  parts: WordPart[];
}

export type Redirect =
  /** `2>&1` (from 2 to 1) or `>&2` (from 1 to 2). */
  | { type: 'dup'; from: 1 | 2; to: 1 | 2 }
  /** `>file`, `>>file`, `2>file`, `&>file`: the simulated file system is read-only, output is discarded. */
  | { type: 'out'; fd: 1 | 2 | 'both'; target: Word }
  | { type: 'in'; source: Word };

export interface SimpleCommand {
  type: 'simple';
  assignments: { name: string; value: Word }[];
  words: Word[];
  redirects: Redirect[];
}

export interface ForCommand {
  type: 'for';
  variable: string;
  items: Word[];
  body: ListNode;
}

export interface IfCommand {
  type: 'if';
  branches: { condition: ListNode; body: ListNode }[];
  otherwise?: ListNode;
}

export interface WhileCommand {
  type: 'while';
  until: boolean;
  condition: ListNode;
  body: ListNode;
}

export interface GroupCommand {
  type: 'group';
  /** `( ... )` runs in a subshell: variable changes and `exit` stay inside. */
  subshell: boolean;
  body: ListNode;
}

export type Command = SimpleCommand | ForCommand | IfCommand | WhileCommand | GroupCommand;

export interface Pipeline {
  negated: boolean;
  commands: Command[];
}

export interface AndOr {
  first: Pipeline;
  rest: { op: '&&' | '||'; pipeline: Pipeline }[];
}

export interface ListNode {
  items: AndOr[];
}
