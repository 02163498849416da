import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { renderInventory, renderPlaybook } from '../../bench/ansible-playbook';

interface Task {
  name: string;
  raw: string;
  delegate_to?: string;
  until?: string;
  retries?: number;
  delay?: number;
}

describe('bench: the Ansible baseline playbook', () => {
  const [play] = parse(renderPlaybook({ serial: 50, pollDelaySeconds: 1, bootDeadlineSeconds: 2700 })) as {
    serial: number;
    gather_facts: boolean;
    tasks: Task[];
  }[];

  it('runs in batches of the parallelism, without fact gathering (no Python on ESXi)', () => {
    assert.equal(play.serial, 50);
    assert.equal(play.gather_facts, false);
  });

  it('runs the recovery cycle in the same order as ibfleet', () => {
    const commands = play.tasks.map((t) => t.raw.split(' ').slice(0, 4).join(' '));
    assert.deepEqual(commands, [
      'esxcfg-module -g nmlx5_core',
      'esxcli system module parameters',
      'esxcli system maintenanceMode set',
      'grep booted /var/log/vmksummary.log |',
      'esxcli system shutdown reboot',
      'ssh -n -i {{',
      '/opt/mellanox/bin/mst status',
      'esxcli system module parameters',
      'grep booted /var/log/vmksummary.log |',
      'esxcli system shutdown reboot',
      'ssh -n -i {{',
      '/opt/mellanox/bin/mst status',
      'esxcli system maintenanceMode set',
    ]);
    assert.match(play.tasks[1].raw, /-p "\{\{ recovery_options \}\}"$/);
    assert.match(play.tasks[7].raw, /-p "\{\{ original_options \}\}"$/);
  });

  it('waits for the boot marker to change with until/retries, polling from the controller', () => {
    const wait = play.tasks[5];
    assert.equal(wait.delegate_to, 'localhost');
    assert.match(wait.raw, /'grep booted \/var\/log\/vmksummary\.log \| tail -n 1'$/);
    assert.match(wait.until ?? '', /!= \(marker_before_1\.stdout \| trim\)/);
    assert.equal(wait.delay, 1);
    assert.equal(wait.retries, 2700);
  });

  it('pins host keys through a known_hosts file', () => {
    const ini = renderInventory([{ name: 'esx-01', address: '127.0.0.1', port: 2201 }], {
      keyFile: '/k',
      knownHostsFile: '/kh',
    });
    assert.match(ini, /^esx-01 ansible_host=127\.0\.0\.1 ansible_port=2201$/m);
    assert.match(ini, /StrictHostKeyChecking=yes/);
    assert.match(ini, /UserKnownHostsFile=\/kh/);
  });
});
