import assert from 'node:assert/strict';
import {
  parseSoftwareInstallResult,
  parseVibList,
  parseEsxcliFailure,
  ParseError,
} from '../../activities/esxi/parsers';
import { softwareCommands } from '../../activities/esxi/software-commands';
import { UnsafeValueError } from '../../common/command-values';
import { DEFAULT_MFT_DEPOT } from '../../simulator/esxi/software';
import { testHost } from './esxi-helpers';

// The simulated MFT/NMST depot (guide 2): `esxcli software component apply -d` / `vib install -d` print
// ESXi 8's "Installation Result" (read by the same parser as the real samples), the VIBs go into the
// next boot's image ("Reboot Required: true") and show in `vib list` only after the reboot; mst and
// mlxconfig exist only then. The parser refuses what is not an install result.

const vibNames = (text: string) => parseVibList(text).map((v) => v.name);

describe('simulator: MFT/NMST install from a depot on the datastore', () => {
  it('component apply: installed, reboot required; VIBs, mst and cards only after the reboot; again: not changed', async () => {
    const host = testHost({ mft: false, nmst: false });
    assert.equal((await host.run('/opt/mellanox/bin/mst status')).code, 127, 'no MFT: no mst');
    const apply = await host.run(softwareCommands.componentApply(DEFAULT_MFT_DEPOT));
    assert.equal(apply.code, 0, apply.stderr);
    assert.equal(
      apply.stdout,
      'Installation Result\n' +
        '   Message: The update completed successfully, but the system needs to be rebooted for the changes to be effective.\n' +
        '   Components Installed: Mellanox-MFT-Tools_4.26.1.3-1OEM.801.0.0.21495797, Mellanox-NATIVE-NMST_4.26.1.3-1OEM.801.0.0.21495797\n' +
        '   Components Removed:\n' +
        '   Components Skipped:\n' +
        '   Reboot Required: true\n' +
        '   DPU Results:\n',
    );
    const result = parseSoftwareInstallResult(apply.stdout);
    assert.deepEqual(
      [result.listing, result.rebootRequired, result.installed.length],
      ['components', true, 2],
    );

    // Staged, not running: the running image lacks them, the next boot's image has them.
    assert.deepEqual(
      vibNames((await host.run('esxcli software vib list')).stdout).filter((n) => /^(mft|nmst)$/.test(n)),
      [],
    );
    assert.deepEqual(
      vibNames((await host.run(softwareCommands.vibListRebootingImage)).stdout).filter((n) =>
        /^(mft|nmst)$/.test(n),
      ),
      ['mft', 'nmst'],
    );
    assert.equal(
      (await host.run('/opt/mellanox/bin/mst status')).code,
      127,
      'tools not there before the reboot',
    );

    // Applied again before the reboot: skipped, still waiting for the reboot.
    const again = parseSoftwareInstallResult(
      (await host.run(softwareCommands.componentApply(DEFAULT_MFT_DEPOT))).stdout,
    );
    assert.deepEqual([again.installed, again.skipped.length, again.rebootRequired], [[], 2, true]);

    host.reboot();
    assert.deepEqual(
      vibNames((await host.run('esxcli software vib list')).stdout).filter((n) => /^(mft|nmst)$/.test(n)),
      ['mft', 'nmst'],
    );
    assert.match((await host.run('/opt/mellanox/bin/mst status')).stdout, /mt4129_pciconf0/);

    const after = await host.run(softwareCommands.componentApply(DEFAULT_MFT_DEPOT));
    const unchanged = parseSoftwareInstallResult(after.stdout);
    assert.deepEqual(
      [unchanged.message, unchanged.rebootRequired, unchanged.installed],
      ['Host is not changed.', false, []],
    );
  });

  it('vib install -d lists VIB IDs', async () => {
    const host = testHost({ mft: false, nmst: false });
    const r = parseSoftwareInstallResult(
      (await host.run(softwareCommands.vibInstall(DEFAULT_MFT_DEPOT))).stdout,
    );
    assert.equal(r.listing, 'vibs');
    assert.deepEqual(r.installed, [
      'MEL_bootbank_mft_4.26.1.3-0',
      'MEL_bootbank_nmst_4.26.1.3-1OEM.801.0.0.21495797',
    ]);
  });

  it('a depot that is not on the datastore: [MetadataDownloadError], exit 1, nothing staged', async () => {
    const host = testHost({ mft: false, nmst: false });
    const r = await host.run(softwareCommands.componentApply('/vmfs/volumes/datastore1/other.zip'));
    assert.equal(r.code, 1);
    assert.deepEqual(parseEsxcliFailure(r.stdout + r.stderr)?.type, 'MetadataDownloadError');
    assert.match(r.stderr, /No such file or directory: '\/vmfs\/volumes\/datastore1\/other\.zip'/);
    assert.equal(host.machine.state.software?.staged ?? undefined, undefined);
  });
});

describe('parser: software install result refusals', () => {
  const ok =
    'Installation Result\n   Message: x.\n   Components Installed: a_1\n   Components Removed:\n   Components Skipped:\n   Reboot Required: true\n';
  it('reads the minimal form', () => {
    assert.deepEqual(parseSoftwareInstallResult(ok).installed, ['a_1']);
  });
  for (const [name, text] of [
    ['another result', ok.replace('Installation Result', 'Removal Result')],
    ['a reboot flag that is not true/false', ok.replace('Reboot Required: true', 'Reboot Required: maybe')],
    ['no reboot flag', ok.replace('   Reboot Required: true\n', '')],
    ['a missing list', ok.replace('   Components Skipped:\n', '')],
    ['an ID with shell characters', ok.replace('a_1', 'a_1; reboot')],
    ['a key twice', ok + '   Message: y.\n'],
    ['a line that is not a field', ok + 'garbage\n'],
    ['empty output', ''],
  ] as const) {
    it(`refuses ${name}`, () => assert.throws(() => parseSoftwareInstallResult(text), ParseError));
  }
  it('no esxcli failure in a plain result', () => assert.equal(parseEsxcliFailure(ok), undefined));
});

describe('commands: the depot path is checked before any command is built', () => {
  for (const bad of [
    '/tmp/mft.zip',
    '/vmfs/volumes/ds1/$(reboot).zip',
    '/vmfs/volumes/ds1/../etc/x.zip',
    '/vmfs/volumes/ds1/mft.tgz',
    'mft.zip',
  ])
    it(`refuses ${bad}`, () => assert.throws(() => softwareCommands.componentApply(bad), UnsafeValueError));
  it("builds the guide's command for a datastore path", () =>
    assert.equal(
      softwareCommands.componentApply('/vmfs/volumes/datastore1/mft-depot.zip'),
      'esxcli software component apply -d /vmfs/volumes/datastore1/mft-depot.zip',
    ));
});
