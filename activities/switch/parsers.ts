// Pure parsers of MLNX-OS switch CLI output (see each file for the format it reads).

export { parseShowVersion, compareVersions, type MlnxOsVersion } from './show-version';
export { parseShowIbSm, parseShowIbSmVirt } from './sm-status';
export {
  cliLines,
  findCliErrors,
  assertNoCliError,
  MlnxCliError,
  matchPrompt,
  splitCliTranscript,
  outputOfCommand,
  stripCliTranscript,
  type CliPrompt,
  type CliPromptMode,
  type TranscriptEntry,
} from './cli-output';
export { ParseError } from '../esxi/parsers/parse-error';
