// The one way ibfleet makes the commands it sends to ESXi hosts, guests and switches: fixed words from
// code, values checked against their exact shapes (common/command-values.ts) and quoted for the target.

export { value, text, assignment, type CommandValue } from './value';
export { shellCommand, pipeline, quoteText, quoteWord, unquoteWord, type ShellCommand } from './posix-shell';
export { cliLine, type CliLine } from './mlnx-os-cli';
