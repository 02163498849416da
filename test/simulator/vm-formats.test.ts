import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { esxcliBlocks } from '../../simulator/esxi/format';
import { getAllVmsTable } from '../../simulator/esxi/vim-cmd';
import { vimConfigFault, vimInvalidPowerState } from '../../simulator/esxi/vim-faults';

// The VM commands' formatters against public captures, byte for byte given the captures' values
// (samples and provenance: test/fixtures/outputs/esxi/vm/README.md).

const fixture = (name: string) =>
  readFileSync(join(__dirname, '..', 'fixtures', 'outputs', 'esxi', 'vm', name), 'utf8');
const trimLines = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');

describe('simulator VMs: output formats against public captures', () => {
  it('vim-cmd vmsvc/getallvms: titles centred, cells padded, three spaces [V]', () => {
    assert.equal(getAllVmsTable([]), fixture('getallvms-esxi8-no-vms.txt'));
    const v = 'vCLS-6b723342-8292-1962-f970-0422f48bc6ea';
    assert.equal(
      getAllVmsTable([['1698', v, `[] /var/run/crx/infra/${v}/${v}.vmx`, 'crxSys1Guest', 'vmx-21', '']]),
      fixture('getallvms-esxi9-vcls.txt'),
    );
    // These two were published with the rows' trailing spaces trimmed.
    assert.equal(
      trimLines(getAllVmsTable([['1', 'x8', '[pve-esx] x8/x8.vmx', 'centos9_64Guest', 'vmx-20', '']])),
      fixture('getallvms-esxi8-one-vm.txt'),
    );
    assert.equal(
      trimLines(
        getAllVmsTable([
          [
            '1424',
            'sap-router',
            '[datastore1 (4)] sap-router/win2k8x64.vmx',
            'winLonghorn64Guest',
            'vmx-07',
            '',
          ],
          ['1440', 'RAS-3.250', '[datastore1 (4)] RAS/win2k8x64.vmx', 'winLonghorn64Guest', 'vmx-07', ''],
        ]),
      ),
      trimLines(fixture('getallvms-esxi5-two-vms.txt')),
    );
  });

  it('esxcli vm process list: a block per running VM, then a blank line [V]', () => {
    const block = (name: string, wid: number, cid: number, uuid: string, file: string) =>
      esxcliBlocks([
        {
          title: name,
          pairs: [
            ['World ID', wid],
            ['Process ID', 0],
            ['VMX Cartel ID', cid],
            ['UUID', uuid],
            ['Display Name', name],
            ['Config File', file],
          ],
        },
      ]);
    assert.equal(
      block(
        'VC',
        603996,
        603994,
        '56 4d be 1b 45 52 d6 bc-1b 4d 4b 5f 56 53 4d b6',
        '/vmfs/volumes/66b0c33b-d2f3dff8-8f53-1e00f500013e/VC/VC.vmx',
      ),
      fixture('vm-process-list-esxi8u3.txt'),
    );
  });

  it('vim-cmd faults: InvalidPowerState and GenericVmConfigFault as ESXi 9 prints them [V]', () => {
    assert.equal(
      `Reset VM:\nReset failed: ${vimInvalidPowerState('poweredOn', 'poweredOff')}`,
      fixture('power-reset-failed-esxi9.txt'),
    );
    const reason = 'This host does not support AMD-V.';
    const text = vimConfigFault(
      [
        { key: 'msg.hvuser.NoSVM', message: reason },
        {
          key: 'msg.cpuid.legacyCPU.noVHV',
          message:
            'This host appears to be running in a virtual machine with VHV disabled. Ensure that VHV is enabled in the virtual machine configuration file.',
        },
        {
          key: 'msg.moduletable.powerOnFailed',
          args: ['MonitorMode'],
          message: "Module 'MonitorMode' power on failed.\n",
        },
        { key: 'msg.vmx.poweron.failed', message: 'Failed to start the virtual machine.' },
      ],
      reason,
    );
    assert.equal(`Powering on VM:\nPower on failed: ${text}`, fixture('power-on-failed-esxi9.txt'));
  });
});
