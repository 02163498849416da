// The Ansible baseline: the same recovery cycle as ibfleet's recovery-cycle workflow, the way a
// careful playbook would do it on ESXi (no Python on the host, so `raw` over OpenSSH only): read the
// options, store mst_recovery=1 merged into them, maintenance mode on, reboot, wait for the boot
// marker to change, verify `mst status`, restore the options, reboot, wait, verify, maintenance off.

export interface AnsibleInventoryHost {
  name: string;
  address: string;
  port: number;
}

/** INI inventory: the fleet's key, OpenSSH with a known_hosts file and strict host key checking. */
export function renderInventory(
  hosts: readonly AnsibleInventoryHost[],
  o: { keyFile: string; knownHostsFile: string },
): string {
  const lines = ['[esxi]'];
  for (const h of hosts) lines.push(`${h.name} ansible_host=${h.address} ansible_port=${h.port}`);
  lines.push(
    '',
    '[esxi:vars]',
    'ansible_user=root',
    `ansible_ssh_private_key_file=${o.keyFile}`,
    `ansible_ssh_common_args='-o UserKnownHostsFile=${o.knownHostsFile} -o StrictHostKeyChecking=yes'`,
    `known_hosts_file=${o.knownHostsFile}`,
    '',
  );
  return lines.join('\n');
}

const MARKER = 'grep booted /var/log/vmksummary.log | tail -n 1';

/** A YAML single-quoted scalar (no escapes inside but '' for a quote). */
function q(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * Waiting for a reboot with raw + until/retries: an unreachable host ends a task at once (until does not
 * retry connection failures), so the marker is polled by OpenSSH from the controller (delegate_to
 * localhost), where "cannot connect" is just a failed attempt to retry.
 */
function waitTasks(n: number, delaySeconds: number, retries: number): string {
  return `
    - name: wait for a new boot marker (reboot ${n})
      delegate_to: localhost
      raw: >-
        ssh -n -i {{ ansible_ssh_private_key_file }} -p {{ ansible_port }} -o BatchMode=yes -o ConnectTimeout=2
        -o UserKnownHostsFile={{ known_hosts_file }} -o StrictHostKeyChecking=yes
        {{ ansible_user }}@{{ ansible_host }} '${MARKER}'
      register: marker_after_${n}
      until: marker_after_${n}.rc == 0 and 'booted' in marker_after_${n}.stdout and (marker_after_${n}.stdout | trim) != (marker_before_${n}.stdout | trim)
      retries: ${retries}
      delay: ${delaySeconds}
      changed_when: false
`;
}

function rebootTasks(n: number, reason: string): string {
  return `
    - name: read the boot marker (reboot ${n})
      raw: ${q(MARKER)}
      register: marker_before_${n}
      changed_when: false

    - name: reboot ${n}
      raw: ${q(`esxcli system shutdown reboot -r "${reason}"`)}
`;
}

function verifyTask(n: number): string {
  return `
    - name: verify the cards are listed (${n})
      raw: /opt/mellanox/bin/mst status
      register: mst_${n}
      changed_when: false
      failed_when: mst_${n}.rc != 0 or 'pciconf' not in mst_${n}.stdout
`;
}

export function renderPlaybook(o: {
  serial: number;
  pollDelaySeconds: number;
  bootDeadlineSeconds: number;
}): string {
  const retries = Math.ceil(o.bootDeadlineSeconds / Math.max(1, o.pollDelaySeconds));
  return `---
- name: recovery cycle (ibfleet benchmark baseline)
  hosts: esxi
  gather_facts: false
  serial: ${o.serial}
  vars:
    # The stored option string, e.g. "max_vfs=8", from: nmlx5_core enabled = 1 options = 'max_vfs=8'
    original_options: >-
      {{ (options_before.stdout.split("options = '") + [''])[1].split("'")[0] }}
    recovery_options: >-
      {{ (original_options.split() | reject('match', 'mst_recovery=') | list + ['mst_recovery=1']) | join(' ') }}
  tasks:
    - name: read the nmlx5_core options
      raw: esxcfg-module -g nmlx5_core
      register: options_before
      changed_when: false

    - name: store mst_recovery=1 (merged into the options)
      raw: ${q('esxcli system module parameters set -m nmlx5_core -p "{{ recovery_options }}"')}

    - name: enter maintenance mode
      raw: esxcli system maintenanceMode set -e true
${rebootTasks(1, 'ansible recovery-cycle: mst_recovery=1')}${waitTasks(1, o.pollDelaySeconds, retries)}${verifyTask(1)}
    - name: restore the original options (normal mode)
      raw: ${q('esxcli system module parameters set -m nmlx5_core -p "{{ original_options }}"')}
${rebootTasks(2, 'ansible recovery-cycle: back to normal')}${waitTasks(2, o.pollDelaySeconds, retries)}${verifyTask(2)}
    - name: exit maintenance mode
      raw: esxcli system maintenanceMode set -e false
`;
}
