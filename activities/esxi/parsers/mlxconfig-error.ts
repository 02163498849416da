// The `-E-` errors of mlxconfig, as typed kinds. Wording from the tool's source [S]; the
// value-too-large message keeps its real stray quote: "Parameter NUM_OF_VFS' value is larger ...".

export type MlxconfigErrorKind =
  | 'unknown-parameter'
  | 'unsupported-parameter'
  | 'device-open-failed'
  | 'no-devices'
  | 'value-too-large'
  | 'other';

export interface MlxconfigError {
  kind: MlxconfigErrorKind;
  /** The message without "-E- ". */
  message: string;
  /** The parameter named by the message, when it names one. */
  parameter?: string;
  /** For value-too-large: the maximum the device allows. */
  max?: number;
}

export function classifyMlxconfigError(message: string): MlxconfigError {
  let m = /Parameter\s+([A-Za-z0-9_[\]]+)'?\s+value is larger than maximum allowed\s+(\d+)/i.exec(message);
  if (m) return { kind: 'value-too-large', message, parameter: m[1], max: Number(m[2]) };
  m = /Unknown Parameter:?\s*([A-Za-z0-9_[\]]+)/i.exec(message);
  if (m) return { kind: 'unknown-parameter', message, parameter: m[1] };
  m = /doesn't support\s+(\S+)\s+parameter/i.exec(message);
  if (m) return { kind: 'unsupported-parameter', message, parameter: m[1] };
  if (/Failed to open (?:the )?device/i.test(message)) return { kind: 'device-open-failed', message };
  if (/No devices found/i.test(message)) return { kind: 'no-devices', message };
  return { kind: 'other', message };
}
