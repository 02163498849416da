import { safeText } from '../ssh/redact';

// Known perftest failures, recognized in its stderr/stdout [S: linux-rdma/perftest]. The kinds let an
// activity tell an operator what to fix (start the server, pick the device, enable SM virtualization...).

export type PerftestFailureKind =
  | 'connect-failed'
  | 'listen-failed'
  | 'device-not-found'
  | 'no-devices'
  | 'port-not-active'
  | 'bw-below-limit'
  | 'exchange-failed'
  | 'link-connect-failed'
  | 'bad-arguments';

export interface PerftestFailure {
  kind: PerftestFailureKind;
  /** The line that identified the failure, trimmed (bounded and redacted: it goes into results and messages). */
  message: string;
  /** Extracted detail: "10.0.0.1:18515", "mlx5_9", the port state ("Down")... */
  detail?: string;
}

const PATTERNS: { kind: PerftestFailureKind; re: RegExp }[] = [
  { kind: 'connect-failed', re: /Couldn't connect to (\S+)/ },
  { kind: 'listen-failed', re: /Couldn't listen to port (\d+)/ },
  { kind: 'device-not-found', re: /IB device (\S+) not found/ },
  { kind: 'no-devices', re: /(Did not detect devices|No IB devices found)/ },
  { kind: 'port-not-active', re: /Port number \d+ state is (\S+)/ },
  { kind: 'bw-below-limit', re: /(BW result is below bw limit)/ },
  { kind: 'link-connect-failed', re: /(Unable to Connect the HCA's through the link)/ },
  { kind: 'exchange-failed', re: /(Failed to exchange data between server and clients)/ },
  { kind: 'bad-arguments', re: /(Invalid Command or flag\.?|Parser function exited with Error)/ },
];

const LINE_BYTES = 512;

/** The first known failure in the text (stderr, or stdout+stderr), or undefined. */
export function detectPerftestFailure(text: string): PerftestFailure | undefined {
  const lines = text.split(/\r\n|\r|\n/);
  for (const { kind, re } of PATTERNS) {
    for (const line of lines) {
      const m = re.exec(line);
      if (m) return { kind, message: safeText(line.trim(), LINE_BYTES), detail: m[1] };
    }
  }
  return undefined;
}
