import assert from 'node:assert/strict';
import {
  parseGetAllVms,
  parseMaintenanceSetError,
  parsePowerState,
  parseVimPowerOutput,
  parseVmProcessList,
  parseVmx,
} from '../../activities/esxi/parsers';
import { MESSAGES } from '../../simulator/esxi/maintenance';
import { getAllVmsTable } from '../../simulator/esxi/vim-cmd';
import { vimFault, vimGenericVmConfigFault, vimInvalidPowerState } from '../../simulator/esxi/vim-faults';
import { assertParseError, fixture, NOT_OUTPUT } from './esxi-variants';

// The VM parsers beyond the public samples (esxi-samples.ts runs those): tables laid out by the
// simulator's implementation of the getallvms layout with awkward cells, and the outputs that must be
// refused rather than read wrong.

const row = (
  vmid: number,
  name: string,
  file: string,
  guest = 'rhel9_64Guest',
  version = 'vmx-20',
  note = '',
) => [String(vmid), name, file, guest, version, note];

describe('esxi parsers: VMs', () => {
  describe('vim-cmd vmsvc/getallvms', () => {
    it('reads tables of every width, with spaces inside cells, as the layout rule makes them', () => {
      const cases: string[][][] = [
        [row(1, 'a', '[ds] a/a.vmx')],
        [
          row(
            7,
            'gpu vm 1',
            '[datastore1 (4)] gpu vm 1/gpu vm 1.vmx',
            'ubuntu64Guest',
            'vmx-21',
            'owner: team a',
          ),
        ],
        [
          row(1, 'x', '[datastore1] x/x.vmx'),
          row(
            123456,
            'a-much-longer-name-than-the-title',
            '[nfs store] deep/path/x.vmx',
            'otherGuest64',
            'vmx-9',
          ),
          row(99, 'b   c', '[] /var/run/crx/infra/b/b.vmx', 'crxSys1Guest', 'vmx-21', 'x'),
        ],
        Array.from({ length: 12 }, (_v, i) =>
          row(i + 1, `esx-01-vm${i + 1}`, `[datastore1] esx-01-vm${i + 1}/esx-01-vm${i + 1}.vmx`),
        ),
      ];
      for (const rows of cases) {
        const vms = parseGetAllVms(getAllVmsTable(rows));
        assert.deepEqual(
          vms.map((v) => [String(v.vmid), v.name, v.file, v.guestOs, v.version, v.annotation]),
          rows,
        );
      }
      const [vcls] = parseGetAllVms(getAllVmsTable([row(99, 'b', '[] /var/run/b.vmx')]));
      assert.deepEqual([vcls.datastore, vcls.path], ['', '/var/run/b.vmx']);
    });

    it('refuses what is not its table, and a table it cannot cut for certain', () => {
      const good = getAllVmsTable([row(1, 'a', '[ds] a/a.vmx'), row(2, 'bb', '[ds] bb/bb.vmx')]);
      const [header, first, second] = good.split('\n');
      for (const text of [
        '',
        NOT_OUTPUT.notFound,
        NOT_OUTPUT.esxcliError,
        fixture('vm/power-getstate-on.txt'),
        // a row shifted by one space
        `${header}\n ${first}\n${second}\n`,
        // a multi-line annotation (its second line is no row)
        `${good}continued annotation\n`,
        // a File that is no datastore path, a Version that is no version
        `${header}\n${first.replace('[ds] a/a.vmx', 'ds]  a/a.vmx')}\n${second}\n`,
        good.replace('vmx-20', 'v20   '),
        // two rows with one vmid
        `${header}\n${first}\n${first}\n`,
      ])
        assertParseError(parseGetAllVms, text, 'vim-cmd vmsvc/getallvms');
    });
  });

  describe('esxcli vm process list', () => {
    const block = (name: string, wid: number) =>
      `${name}\n   World ID: ${wid}\n   Process ID: 0\n   VMX Cartel ID: ${wid - 1}\n   UUID: 56 4d 00 11 22 33 44 55-66 77 88 99 aa bb cc dd\n   Display Name: ${name}\n   Config File: /vmfs/volumes/6459a379-ee2c0913/${name}/${name}.vmx\n\n`;

    it('reads one block per running VM, and nothing when none runs', () => {
      assert.deepEqual(parseVmProcessList(''), []);
      const vms = parseVmProcessList(block('gpu-a', 2100013) + block('web', 2100026));
      assert.deepEqual(
        vms.map((v) => [v.displayName, v.worldId, v.cartelId, v.configFile]),
        [
          ['gpu-a', 2100013, 2100012, '/vmfs/volumes/6459a379-ee2c0913/gpu-a/gpu-a.vmx'],
          ['web', 2100026, 2100025, '/vmfs/volumes/6459a379-ee2c0913/web/web.vmx'],
        ],
      );
    });

    it('refuses blocks it cannot read exactly', () => {
      for (const text of [
        NOT_OUTPUT.esxcliError,
        block('a', 5).replace('   World ID: 5\n', ''),
        block('a', 5).replace('World ID: 5', 'World ID: five'),
        block('a', 5).replace('Display Name: a', 'Display Name: b'),
        `   World ID: 5\n${block('a', 5)}`,
        block('a', 5) + block('b', 5),
      ])
        assertParseError(parseVmProcessList, text, 'esxcli vm process list');
    });
  });

  describe('vim-cmd vmsvc/power.*', () => {
    it('reads the state, and the faults as the simulator prints them', () => {
      assert.equal(parsePowerState('Retrieved runtime info\nSuspended\n'), 'suspended');
      for (const text of [
        '',
        'Powered on\n',
        'Retrieved runtime info\nPowered sideways\n',
        NOT_OUTPUT.notFound,
      ])
        assertParseError(parsePowerState, text, 'vim-cmd vmsvc/power.getstate');
      assert.deepEqual(parseVimPowerOutput(''), {});
      assert.deepEqual(
        parseVimPowerOutput(
          `Powering on VM:\nPower on failed: ${vimInvalidPowerState('poweredOff', 'poweredOn')}`,
        ),
        {
          progress: 'Powering on VM',
          fault: {
            type: 'InvalidPowerState',
            message: 'The attempted operation cannot be performed in the current state (Powered on).',
          },
        },
      );
      const noVf =
        'pciPassthru:0: No SR-IOV virtual function (VF) is available for given physical function (PF) (0000:17:00.1).';
      assert.deepEqual(
        parseVimPowerOutput(`Powering on VM:\nPower on failed: ${vimGenericVmConfigFault(noVf)}`).fault,
        {
          type: 'GenericVmConfigFault',
          message: noVf,
        },
      );
      const tools = 'Cannot complete operation because VMware Tools is not running in this virtual machine.';
      assert.deepEqual(parseVimPowerOutput(vimFault('ToolsUnavailable', [], tools)).fault, {
        type: 'ToolsUnavailable',
        message: tools,
      });
      for (const text of [
        'Powering on VM:\nsomething else\n',
        'Power on failed: (vim.fault.X) {\n   msg = "a"\n',
        NOT_OUTPUT.flint,
      ])
        assertParseError(parseVimPowerOutput, text, 'vim-cmd vmsvc/power.*');
    });
  });

  describe('.vmx', () => {
    it('reads passthrough and SR-IOV devices, keys in any case; ignores devices not present', () => {
      const vmx = parseVmx(
        [
          '.encoding = "UTF-8"',
          'displayName = "gpu a"',
          'pcipassthru0.present = "true"',
          'pciPassthru0.id = "00000:023:00.0"',
          'pciPassthru1.present = "FALSE"',
          'pciPassthru1.id = "00000:023:00.1"',
          'pciPassthru2.present = "TRUE"',
          'pciPassthru2.pfId = "00000:023:00.1"',
          'pciPassthru2.id = "00000:023:00.1"',
          'scsi0:0.fileName = "gpu a.vmdk"',
          '',
        ].join('\n'),
      );
      assert.equal(vmx.displayName, 'gpu a');
      assert.deepEqual(vmx.devices, [
        { index: 0, kind: 'passthrough', id: '00000:023:00.0' },
        { index: 2, kind: 'sriov', id: '00000:023:00.1', pf: '00000:023:00.1' },
      ]);
      assert.deepEqual(parseVmx('displayName = "plain"\n').devices, []);
    });

    it('refuses what is not a .vmx, and a device key given two values', () => {
      for (const text of [
        NOT_OUTPUT.notFound,
        "cat: can't open '/vmfs/volumes/datastore1/x/x.vmx': No such file or directory\n",
        'pciPassthru0.present = "TRUE"\npciPassthru0.present = "FALSE"\n',
        'pciPassthru0.present = "maybe"\n',
      ])
        assertParseError(parseVmx, text, '.vmx file');
    });
  });

  describe('esxcli system maintenanceMode set (errors)', () => {
    it('reads the answers ibfleet acts on, as the simulator prints them', () => {
      assert.equal(parseMaintenanceSetError(MESSAGES.alreadyEnabled), 'already-enabled');
      assert.equal(parseMaintenanceSetError(MESSAGES.alreadyDisabled), 'already-disabled');
      assert.equal(parseMaintenanceSetError(MESSAGES.timedOut), 'timed-out');
      assert.equal(parseMaintenanceSetError(`\r\n${MESSAGES.canceled}\r\n`), 'canceled');
      assert.equal(parseMaintenanceSetError(MESSAGES.badVsanMode), 'invalid-vsan-mode');
    });

    it("refuses anything else (the host's own words are reported instead)", () => {
      for (const text of [
        '',
        'Insufficient resources to satisfy configured failover level for vSphere HA.\n',
        `${MESSAGES.timedOut}${MESSAGES.canceled}`,
      ])
        assertParseError(parseMaintenanceSetError, text, 'esxcli system maintenanceMode set');
    });
  });
});
