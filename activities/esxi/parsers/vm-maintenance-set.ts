import { ParseError } from './parse-error';

// Why `esxcli system maintenanceMode set` failed (its stderr). Only the answers ibfleet acts on are
// read; anything else is refused (the caller reports the host's own words). Texts: "Maintenance mode
// is already enabled." [V, public captures]; "Operation timed out." [V for vim-cmd
// hostsvc/maintenance_mode_enter; the esxcli text after -t is not confirmed]; the others [R] (see
// /work/shared/reference/vsphere-maintenance.md and simulator/README.md "Maintenance mode").

export type MaintenanceSetError =
  /** `set -e true` on a host already in maintenance mode. */
  | 'already-enabled'
  /** `set -e false` on a host not in maintenance mode. */
  | 'already-disabled'
  /** `-t` expired with VMs still powered on: the host is not in maintenance mode. */
  | 'timed-out'
  /** The pending entry was cancelled (`set -e false` from elsewhere). */
  | 'canceled'
  /** `-m` named no vSAN mode. */
  | 'invalid-vsan-mode';

const KNOWN: [RegExp, MaintenanceSetError][] = [
  [/^Maintenance mode is already enabled\.?$/i, 'already-enabled'],
  [/^Maintenance mode is already disabled\.?$/i, 'already-disabled'],
  [/^(?:Error: )?Operation timed out\.?$/i, 'timed-out'],
  [/^(?:Error: )?The task was canceled by a user\.?$/i, 'canceled'],
  [/^Error: Invalid data constraint for parameter '?vsanmode'?\.?$/i, 'invalid-vsan-mode'],
];

export function parseMaintenanceSetError(text: string): MaintenanceSetError {
  const lines = text
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const found = lines.length === 1 ? KNOWN.find(([re]) => re.test(lines[0])) : undefined;
  if (!found)
    throw new ParseError(
      'esxcli system maintenanceMode set',
      'one of its known answers ("Maintenance mode is already enabled.", "Operation timed out." …)',
      text,
    );
  return found[1];
}
