import assert from 'node:assert/strict';
import { startFleet, type Fleet } from '../../simulator/fleet';
import { sshRead, startWorker, type RunningWorker } from '../helpers/ibfleet-harness';
import { testEnv, uniqueTaskQueue } from '../helpers/temporal-env';
import type { CardInfo } from '../../activities/contract';
import { commandsSince, expectSuccess, markHost, startProcedure, vfsPerPort, fleetHost } from './host-audit';
import type { HostRef } from '../../common/targets';

// Hosts whose `mst status` lists one card under several access paths, as real hosts do: a path per
// PCI function (mtXXXX_pciconf0.1), the direct CR-space path (mtXXXX_pci_cr0), /dev/ names under the
// legacy vmklinux driver. ibfleet must count, configure and report each card once: one mlxconfig -d
// per card, through its pciconf path.

const MLX = '/opt/mellanox/bin/mlxconfig';
/** The three sets of the guide (section 3.1), per card. */
const SETS = ['ADVANCED_PCI_SETTINGS=1', 'FORCE_ETH_PCI_SUBCLASS=1', 'SRIOV_EN=1 NUM_OF_VFS=16'];

/** The device of every mlxconfig command since the mark, by kind. */
function mlxconfigDevices(commands: string[], kind: 'query' | 'set'): string[] {
  const re = kind === 'set' ? /^\S+mlxconfig -d (\S+) -y set / : /^\S+mlxconfig -d (\S+) -e query$/;
  return commands.map((c) => re.exec(c)?.[1]).filter((d): d is string => d !== undefined);
}

describe('procedures: cards listed under several mst access paths', () => {
  let fleet: Fleet;
  let worker: RunningWorker;
  const taskQueue = uniqueTaskQueue('mst-paths');
  const host = (name: string): HostRef => fleetHost(fleet, name);
  /** Host → the paths mst lists and the cards ibfleet must see. */
  const variants: Record<string, { paths: string[]; cards: string[] }> = {
    'mp-01': {
      paths: ['mt4123_pciconf0', 'mt4123_pciconf0.1', 'mt4123_pci_cr0'],
      cards: ['mt4123_pciconf0'],
    },
    'mp-02': {
      paths: ['mt4123_pciconf0', 'mt4123_pciconf0.1', 'mt4123_pciconf1', 'mt4123_pciconf1.1'],
      cards: ['mt4123_pciconf0', 'mt4123_pciconf1'],
    },
    'mp-03': {
      paths: ['/dev/mt4119_pciconf0', '/dev/mt4119_pciconf0.1', '/dev/mt4119_pci_cr0'],
      cards: ['/dev/mt4119_pciconf0'],
    },
  };

  before(async () => {
    fleet = await startFleet({
      hosts: 3,
      namePrefix: 'mp-',
      bootTimeMs: 200,
      controlPort: false,
      defaults: { cards: ['ConnectX-6'] },
      hostOverrides: {
        'mp-01': { mstPaths: { functions: true, crSpace: true } },
        'mp-02': { cards: ['ConnectX-6', 'ConnectX-6'], mstPaths: { functions: true } },
        'mp-03': { cards: ['ConnectX-5'], mstPaths: { functions: true, crSpace: true, vmklinux: true } },
      },
    });
    worker = await startWorker(taskQueue);
  });
  after(async () => {
    await worker?.stop();
    await fleet?.stop();
  });

  it('the simulated hosts list every access path (the variants are modelled)', async () => {
    for (const [name, v] of Object.entries(variants)) {
      const listed = (await sshRead(host(name), '/opt/mellanox/bin/mst status'))
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => /mt\d+_/.test(l));
      assert.deepEqual(listed, v.paths, name);
    }
    assert.doesNotMatch(
      await sshRead(host('mp-03'), '/opt/mellanox/bin/mst status'),
      /---/,
      'vmklinux: no dash rule',
    );
  });

  it('preflight counts and reports cards, not paths, and queries each card once', async () => {
    const { client } = await testEnv();
    await Promise.all(
      Object.entries(variants).map(async ([name, v]) => {
        const h = host(name);
        const mark = await markHost(h);
        const report = await expectSuccess(await startProcedure(client, taskQueue, 'preflight', h));
        assert.deepEqual(report.finalState.mstDevices, v.cards, `${name}: mstDevices`);
        const cards = report.found.cards as CardInfo[];
        assert.deepEqual(
          cards.map((c) => c.device),
          v.cards,
          `${name}: cards`,
        );
        assert.deepEqual(mlxconfigDevices(await commandsSince(mark), 'query'), v.cards, `${name}: queries`);
      }),
    );
  });

  it("sriov-enable runs the guide's mlxconfig sets once per card, through its pciconf path", async () => {
    const { client } = await testEnv();
    const params = { numVfs: 16, maxVfs: 4 };
    await Promise.all(
      Object.entries(variants).map(async ([name, v]) => {
        const h = host(name);
        const mark = await markHost(h);
        const report = await expectSuccess(
          await startProcedure(client, taskQueue, 'sriov-enable', h, { params }),
        );
        const commands = await commandsSince(mark);
        const sets = commands.filter((c) => / -y set /.test(c));
        const devices = new Set(commands.map((c) => /^\S+mlxconfig -d (\S+) /.exec(c)?.[1]).filter((d) => d));
        assert.deepEqual(
          [...devices],
          v.cards,
          `${name}: mlxconfig only ever opens the cards' pciconf paths`,
        );
        assert.deepEqual(
          sets,
          v.cards.flatMap((card) => SETS.map((s) => `${MLX} -d ${card} -y set ${s}`)),
          `${name}: one set of each kind per card`,
        );
        assert.deepEqual(report.finalState.cards, v.cards, `${name}: the report lists cards`);
        assert.deepEqual(
          (report.found.cards as CardInfo[]).map((c) => c.device),
          v.cards,
        );
        const vfs = await vfsPerPort(h);
        assert.equal(Object.keys(vfs).length, v.cards.length * 2, `${name}: two ports per card`);
        assert.ok(
          Object.values(vfs).every((n) => n === 4),
          `${name}: 4 VFs on every port: ${JSON.stringify(vfs)}`,
        );
      }),
    );
  });
});
