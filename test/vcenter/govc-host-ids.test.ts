import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Govc, HostIds, hostIdsOf } from '../../activities/vcenter/govc';
import { VcenterError, type GovcRunner } from '../../activities/vcenter/govc-run';
import { parseGovcFailure } from '../../activities/vcenter/parsers';

// Govc remembers host ids (issue #14: each govc run costs seconds): acting on a host it has seen
// needs no lookup first; an id vCenter no longer knows is looked up again, once; a name two hosts
// share is never remembered. Recorded govc v0.46.3 outputs (test/fixtures/vcenter/README.md):
// esx-01 is host-18, esx-02 host-27.

const fixture = (name: string) => readFileSync(join(__dirname, '../fixtures/vcenter', name), 'utf8');
const HOSTS = fixture('object-collect-hosts.json');
const GOVC = '/work/main/.vcsim/bin/govc';

/** govc as recorded; `gone` ids answer as a host vCenter does not know (host-not-found.stderr). */
function recorded(sent: string[][], o: { hosts?: string; gone?: string[] } = {}): GovcRunner {
  return (args) => {
    sent.push(args);
    if (args[0] === 'object.collect') return Promise.resolve(o.hosts ?? HOSTS);
    const target = args.find((a) => a.startsWith('HostSystem:')) ?? '';
    if (o.gone?.includes(target.slice('HostSystem:'.length))) {
      const stderr = fixture('host-not-found.stderr').replace('HostSystem:host-999', target);
      const failure = parseGovcFailure(stderr, GOVC);
      return Promise.reject(new VcenterError(failure.kind, `govc ${args[0]}: ${failure.message}`));
    }
    if (args[0] === 'host.service.ls') return Promise.resolve(fixture('host-service-ls.json'));
    return Promise.resolve('');
  };
}

const lookups = (sent: string[][]) => sent.filter((a) => a[0] === 'object.collect').length;

describe('vCenter: host ids remembered by Govc', () => {
  it('acts on a host it has seen without looking it up again', async () => {
    const sent: string[][] = [];
    const ids = new HostIds();
    await new Govc(recorded(sent), ids).setSshRunning('esx-01', true);
    assert.equal(lookups(sent), 1, 'the first use looks the host up');
    // Another Govc of the same process and vCenter (the next activity) shares the ids.
    await new Govc(recorded(sent), ids).setSshRunning('esx-01', false);
    await new Govc(recorded(sent), ids).services('esx-02');
    assert.equal(lookups(sent), 1, 'one lookup learnt every host');
    assert.deepEqual(
      sent.filter((a) => a[0] !== 'object.collect'),
      [
        ['host.service', '-host', 'HostSystem:host-18', 'start', 'TSM-SSH'],
        ['host.service', '-host', 'HostSystem:host-18', 'stop', 'TSM-SSH'],
        ['host.service.ls', '-json', '-host', 'HostSystem:host-27'],
      ],
    );
  });

  it('looks a host up again, once, when vCenter no longer knows its id', async () => {
    const sent: string[][] = [];
    const ids = new HostIds();
    await new Govc(recorded(sent), ids).hosts();
    // The host was removed and added again: vCenter gave it a new id.
    const readded = HOSTS.replace('"value": "host-18"', '"value": "host-31"');
    await new Govc(recorded(sent, { hosts: readded, gone: ['host-18'] }), ids).reboot('esx-01');
    assert.deepEqual(
      sent.slice(1).map((a) => a.join(' ')),
      ['host.shutdown -r HostSystem:host-18', sent[0].join(' '), 'host.shutdown -r HostSystem:host-31'],
    );
    assert.equal(ids.get('esx-01'), 'host-31');
  });

  it('does not retry other failures, and fails as before for a host vCenter does not know', async () => {
    const sent: string[][] = [];
    const ids = new HostIds();
    await assert.rejects(new Govc(recorded(sent), ids).reboot('esx-99'), /vCenter has no host named esx-99/);
    const failing: GovcRunner = (args) => {
      sent.push(args);
      return Promise.reject(new VcenterError('invalid-state', 'govc host.shutdown: not in maintenance mode'));
    };
    await assert.rejects(new Govc(failing, ids).reboot('esx-01'), /not in maintenance mode/);
    assert.equal(sent[sent.length - 1].join(' '), 'host.shutdown -r HostSystem:host-18');
    assert.equal(sent.filter((a) => a[0] === 'host.shutdown').length, 1, 'sent once');
  });

  it('never remembers a name two hosts share', async () => {
    const sent: string[][] = [];
    const ids = new HostIds();
    const twins = HOSTS.replace('"val": "esx-02"', '"val": "esx-01"');
    await assert.rejects(
      new Govc(recorded(sent, { hosts: twins }), ids).setSshRunning('esx-01', true),
      /vCenter has 2 hosts named esx-01/,
    );
    assert.equal(ids.get('esx-01'), undefined);
  });

  it('is bounded, forgetting the least recently used', () => {
    const ids = new HostIds(2);
    const host = (name: string, moref: string) => ({
      moref,
      name,
      connectionState: 'connected' as const,
      powerState: 'poweredOn' as const,
      inMaintenanceMode: false,
      bootTime: null,
      vms: [],
    });
    ids.learn([host('a', 'host-1'), host('b', 'host-2')]);
    assert.equal(ids.get('a'), 'host-1');
    ids.learn([host('c', 'host-3')]);
    assert.equal(ids.size, 2);
    assert.equal(ids.get('b'), undefined, 'b was used least recently');
    assert.equal(ids.get('a'), 'host-1');
  });

  it('keeps one set of ids per vCenter: the same URL with another certificate is another vCenter', () => {
    const url = 'https://vc.example.com/sdk';
    const a = Array.from({ length: 32 }, () => 'AB').join(':');
    const b = Array.from({ length: 32 }, () => 'CD').join(':');
    assert.equal(hostIdsOf({ url, thumbprint: a }), hostIdsOf({ url, thumbprint: a }));
    assert.notEqual(hostIdsOf({ url, thumbprint: a }), hostIdsOf({ url, thumbprint: b }));
  });
});
