import type { ExecResult } from '../machine';
import type { EsxiState } from './state';

// What the ESXi command implementations need from the host they run on.

export interface RebootRequest {
  /** esxcli system shutdown reboot, or busybox reboot. */
  via: 'esxcli' | 'busybox';
  /** Delay before the host goes down (esxcli -d, busybox reboot -d), ms. */
  delayMs: number;
  /** busybox reboot -f: no orderly shutdown. */
  force: boolean;
}

export interface EsxiContext {
  readonly state: EsxiState;
  now(): number;
  /** mlxconfig fault: every mlxconfig invocation fails to open the device. */
  mlxconfigFails(): boolean;
  /** Marks the state changed (persisted by the fleet). */
  changed(): void;
  requestReboot(request: RebootRequest): void;
}

export const out = (stdout: string, code = 0): ExecResult => ({ stdout, stderr: '', code });
export const err = (stderr: string, code = 1, stdout = ''): ExecResult => ({ stdout, stderr, code });
