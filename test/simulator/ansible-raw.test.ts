import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startFleet, type Fleet } from '../../simulator/fleet';

// Ansible's raw module (what operators script ESXi with) against the simulator: it goes through the
// stock OpenSSH client with a pty (`ssh -tt`), with strict host-key checking against the fleet's keys.

const run = promisify(execFile);

describe('simulator: Ansible raw module', () => {
  let fleet: Fleet;
  let dir: string;

  before(async function () {
    if (!fs.existsSync('/usr/bin/ansible'))
      throw new Error('ansible is missing: npm run test:setup installs it');
    fleet = await startFleet({ hosts: 2, namePrefix: 'ans-', bootTimeMs: 100, controlPort: false });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibfleet-ansible-'));
    fs.writeFileSync(path.join(dir, 'known_hosts'), fleet.knownHosts());
    const lines = fleet.inventory.hosts.map(
      (h) =>
        `${h.name} ansible_host=${h.address} ansible_port=${h.port} ansible_user=${h.username} ansible_ssh_private_key_file=${fleet.clientKeyPath}`,
    );
    fs.writeFileSync(path.join(dir, 'hosts.ini'), `[esxi]\n${lines.join('\n')}\n`);
  });
  after(async () => {
    await fleet?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs esxcli through raw on every host, with a pty and verified host keys', async () => {
    const { stdout } = await run(
      'ansible',
      [
        'esxi',
        '-i',
        path.join(dir, 'hosts.ini'),
        '-m',
        'raw',
        '-a',
        'esxcli system version get; grep -c booted /var/log/vmksummary.log',
      ],
      {
        env: {
          ...process.env,
          ANSIBLE_HOST_KEY_CHECKING: 'True',
          ANSIBLE_SSH_ARGS: `-o UserKnownHostsFile=${path.join(dir, 'known_hosts')} -o StrictHostKeyChecking=yes -o BatchMode=yes`,
          ANSIBLE_LOCAL_TEMP: path.join(dir, 'tmp'),
          ANSIBLE_NOCOLOR: '1',
          HOME: dir,
        },
        timeout: 120_000,
      },
    );
    for (const h of fleet.inventory.hosts) assert.match(stdout, new RegExp(`${h.name} \\| CHANGED \\| rc=0`));
    assert.equal(stdout.match(/Product: VMware ESXi/g)?.length, 2);
    // The commands arrived as typed and were logged on the hosts, as on a real host.
    const log = fleet.esxi(fleet.inventory.hosts[0].name).readFile?.('/var/log/shell.log') ?? '';
    assert.match(log, /esxcli system version get; grep -c booted \/var\/log\/vmksummary.log/);
  });
});
