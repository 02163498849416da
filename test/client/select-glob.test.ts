import assert from 'node:assert/strict';
import { parseInventory } from '../../client/inventory/load';
import { globMatches } from '../../client/inventory/select';
import type { TargetRef } from '../../common/targets';
import { callInWorker, stopWorkers } from '../helpers/in-worker';
import { VALID_INVENTORY } from './harness';

// `--select` globs are matched without backtracking: a glob of many `*` against a long name used to
// take longer than any operator waits (the selection runs in a worker so a regression fails by timeout).

describe('client: --select globs in linear time', () => {
  afterEach(stopWorkers);

  it('matches *, ? and literals as a whole-string glob', () => {
    const cases: Array<[string, string, boolean]> = [
      ['esx-0*', 'esx-01', true],
      ['esx-?1', 'esx-11', true],
      ['esx-?1', 'esx-1', false],
      ['*', '', true],
      ['', '', true],
      ['', 'a', false],
      ['a*', '', false],
      ['*-01', 'esx-01', true],
      ['*-01', 'esx-011', false],
      ['e*x*1', 'esx-01', true],
      ['e**1', 'e1', true],
      ['*a*b', 'aXbXa', false],
      ['*a*b', 'aXbXab', true],
      ['?', 'ab', false],
      ['esx.01', 'esx-01', false], // a dot is only a dot
    ];
    for (const [glob, text, expected] of cases)
      assert.equal(globMatches(glob, text), expected, `${JSON.stringify(glob)} ~ ${JSON.stringify(text)}`);
  });

  it('selects with name=*a*a*a*a*a*a*a*a*c against a 63-character name at once', async () => {
    const longA = 'a'.repeat(63);
    const longC = `${'a'.repeat(62)}c`;
    const inv = parseInventory(
      VALID_INVENTORY.replace('name: esx-03', `name: ${longA}`).replace('name: esx-11', `name: ${longC}`),
      '/inv/fleet.yaml',
    );
    const select = require.resolve('../../client/inventory/select');
    // The pattern of the report (tens of seconds with a regex) and one with more stars (hours).
    for (const pattern of ['*a*a*a*a*a*a*a*a*c', '*a*a*a*a*a*a*a*a*a*a*a*a*c']) {
      const selected = await callInWorker<TargetRef[]>(select, 'selectTargets', [
        inv,
        'esxi',
        [`name=${pattern}`],
      ]);
      assert.deepEqual(
        selected.map((t) => t.name),
        [longC],
        pattern,
      );
    }
    await assert.rejects(
      callInWorker(select, 'selectTargets', [inv, 'esxi', [`name=${'*a'.repeat(12)}*b`]]),
      /no ESXi host has name matching/,
    );
  });
});
