import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findIbPort, ParseError, parseIbstat } from '../../activities/perftest/parsers';

// ibstat parser against the guide's [V] sample and the [S] layout (tab indentation), plus variants.

function fixture(rel: string): string {
  return readFileSync(join(__dirname, '../fixtures/outputs', rel), 'utf8').replace(/^(?:#\|[^\n]*\n)+/, '');
}

/** Two CAs in the [S] layout: a Down VF and an Ethernet port, with an unknown field. */
const TWO_CAS =
  "CA 'mlx5_0'\n\tCA type: MT4126\n\tNumber of ports: 1\n\tFirmware version: 28.39.1002\n\tHardware version: 0\n" +
  '\tNode GUID: 0x005056fffe0a0b0c\n\tSystem image GUID: 0xa088c203001577f0\n\tPort 1:\n\t\tState: Down\n' +
  '\t\tPhysical state: LinkUp\n\t\tRate: 400\n\t\tBase lid: 0\n\t\tLMC: 0\n\t\tSM lid: 0\n' +
  '\t\tCapability mask: 0xa751ec48\n\t\tPort GUID: 0x005056fffe0a0b0c\n\t\tLink layer: InfiniBand\n' +
  "CA 'mlx5_1'\n\tCA type: MT4129\n\tNumber of ports: 1\n\tFirmware version: 28.39.1002\n\tHardware version: 0\n" +
  '\tNode GUID: 0xa088c20300aabbcc\n\tSystem image GUID: 0xa088c20300aabbcc\n\tPort 1:\n\t\tState: Active\n' +
  '\t\tPhysical state: LinkUp\n\t\tRate: 56 (FDR10)\n\t\tBase lid: 0\n\t\tLMC: 0\n\t\tSM lid: 0\n' +
  '\t\tCapability mask: 0x00010000\n\t\tPort GUID: 0xa288c2fffeaabbcc\n\t\tLink layer: Ethernet\n\t\tNew field: x\n';

describe('parsers: ibstat', () => {
  it("reads the guide's sample (spaces for tabs, 'mlx5 0')", () => {
    const cas = parseIbstat(fixture('guest/ibstat-guide.txt'));
    assert.equal(cas.length, 1);
    const ca = cas[0];
    assert.equal(ca.name, 'mlx5 0');
    assert.equal(ca.nodeType, 'CA');
    assert.equal(ca.caType, 'MT4126');
    assert.equal(ca.numberOfPorts, 1);
    assert.equal(ca.firmwareVersion, '28.39.1002');
    assert.equal(ca.hardwareVersion, '0');
    assert.equal(ca.nodeGuid, '0x005056fffeacc71f');
    assert.equal(ca.systemImageGuid, '0xa088c203001577f0');
    assert.equal(ca.ports.length, 1);
    const p = ca.ports[0];
    assert.equal(p.port, 1);
    assert.equal(p.state, 'Active');
    assert.equal(p.physicalState, 'LinkUp');
    assert.equal(p.rate, 400);
    assert.equal(p.baseLid, 35);
    assert.equal(p.lmc, 0);
    assert.equal(p.smLid, 1);
    assert.equal(p.capabilityMask, '0xa751ec48');
    assert.equal(p.portGuid, '0x005056fffeacc71f');
    assert.equal(p.linkLayer, 'InfiniBand');
  });

  it('reads several CAs in the tab layout, keeping unknown fields', () => {
    const cas = parseIbstat(TWO_CAS);
    assert.deepEqual(
      cas.map((c) => [c.name, c.ports[0].state, c.ports[0].rate, c.ports[0].linkLayer]),
      [
        ['mlx5_0', 'Down', 400, 'InfiniBand'],
        ['mlx5_1', 'Active', 56, 'Ethernet'],
      ],
    );
    assert.equal(cas[1].ports[0].fields['New field'], 'x');
    assert.equal(findIbPort(cas, 'mlx5_0')?.baseLid, 0);
    assert.equal(findIbPort(cas, 'mlx5_9'), undefined);
  });

  it('tolerates CRLF, trailing spaces and blank lines', () => {
    const text =
      '\r\n' +
      TWO_CAS.split('\n')
        .map((l) => `${l}  `)
        .join('\r\n\r\n');
    const cas = parseIbstat(text);
    assert.equal(cas.length, 2);
    assert.equal(cas[0].ports[0].state, 'Down');
    assert.equal(cas[0].caType, 'MT4126');
  });

  it('reads the single-port form of `ibstat CA PORT`', () => {
    const cas = parseIbstat(
      "CA: 'mlx5_0'\nPort 1:\nState: Active\nPhysical state: LinkUp\nRate: 2.5\nLink layer: InfiniBand\n",
    );
    assert.equal(cas[0].name, 'mlx5_0');
    assert.equal(cas[0].ports[0].state, 'Active');
    assert.equal(cas[0].ports[0].rate, 2.5);
  });

  it('returns no CAs for empty output and fails clearly on other text', () => {
    assert.deepEqual(parseIbstat(''), []);
    assert.deepEqual(parseIbstat('\n\n'), []);
    assert.throws(
      () => parseIbstat("ibpanic: [4242] main: 'mlx5_9' IB device can't be found\n"),
      (e: unknown) =>
        e instanceof ParseError &&
        /^ibstat: expected ibstat output starting with a line like "CA 'mlx5_0'"; got "ibpanic/.test(
          e.message,
        ),
    );
  });

  it('refuses a device name that is not one (a guest is a tenant machine: it may print anything)', () => {
    for (const name of [
      'mlx5_0;touch${IFS}z',
      'mlx5_0$(reboot)',
      'mlx5_0`id`',
      "mlx5_0'; id; '",
      '"mlx5_0"',
      '-x',
    ]) {
      assert.throws(
        () => parseIbstat(`CA '${name}'\n\tCA type: MT4126\n\tPort 1:\n\t\tState: Active\n`),
        (e: unknown) => e instanceof ParseError && /CA lines naming RDMA devices/.test(e.message),
        name,
      );
    }
  });
});
