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
  /** Marks the state changed (persisted by the fleet; wakes waiting commands). */
  changed(): void;
  requestReboot(request: RebootRequest): void;
  /** Applies the VM transitions that are due (vm-power.ts settleHost): call before reading VMs. */
  settle(): void;
  /**
   * Resolves true once `done()` holds, false at `deadline` (epoch ms; null: none) or when `signal`
   * aborts; re-checked after every state change and when the next guest shutdown is due.
   */
  waitUntil(done: () => boolean, deadline: number | null, signal: AbortSignal): Promise<boolean>;
  /** Fault: guest shutdowns on this host never finish. */
  guestShutdownHangs(): boolean;
}

export const out = (stdout: string, code = 0): ExecResult => ({ stdout, stderr: '', code });
export const err = (stderr: string, code = 1, stdout = ''): ExecResult => ({ stdout, stderr, code });
