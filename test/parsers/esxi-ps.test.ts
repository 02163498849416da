import * as assert from 'node:assert/strict';
import { findVmkdevmgrWid, parsePsC } from '../../activities/esxi/parsers';
import { assertParseError, fixture, NOT_OUTPUT, whitespaceVariants } from './esxi-variants';

describe('esxi parsers: ps -c', () => {
  const sample = fixture('ps-c-vmkdevmgr.txt');
  const vmkdevmgr = { wid: 65949, cid: 65949, worldName: 'vmkdevmgr', command: '/bin/vmkdevmgr' };

  it('reads the reference header and row, and finds vmkdevmgr', () => {
    const worlds = parsePsC(sample);
    assert.deepEqual(worlds, [vmkdevmgr]);
    assert.equal(findVmkdevmgrWid(worlds), 65949);
  });

  for (const [label, text] of whitespaceVariants(sample)) {
    it(`tolerates ${label}`, () => assert.deepEqual(parsePsC(text), [vmkdevmgr]));
  }

  it('reads other widths, kernel worlds without command, arguments and single spaces', () => {
    const text = [
      'WID      CID      World Name                      Command',
      '1        0        system',
      '2099036  2099036  hostd                           hostd ++min=0,swapscope=system /etc/vmware/hostd/config.xml',
      '',
      '65949 65949 vmkdevmgr /bin/vmkdevmgr -v',
    ].join('\n');
    assert.deepEqual(parsePsC(text), [
      { wid: 1, cid: 0, worldName: 'system', command: '' },
      {
        wid: 2099036,
        cid: 2099036,
        worldName: 'hostd',
        command: 'hostd ++min=0,swapscope=system /etc/vmware/hostd/config.xml',
      },
      { wid: 65949, cid: 65949, worldName: 'vmkdevmgr', command: '/bin/vmkdevmgr -v' },
    ]);
    assert.equal(findVmkdevmgrWid(parsePsC(text)), 65949);
  });

  it('never takes the grep that found vmkdevmgr for it', () => {
    const grep = '70001  70001  grep  grep devmgr\n65949  65949  vmkdevmgr  /bin/vmkdevmgr\n';
    assert.equal(findVmkdevmgrWid(parsePsC(grep)), 65949);
    assert.equal(findVmkdevmgrWid(parsePsC('70001  70001  grep  grep devmgr\n')), undefined);
  });

  it('gives [] for empty output and throws ParseError for other output', () => {
    assert.deepEqual(parsePsC(''), []);
    assertParseError(parsePsC, NOT_OUTPUT.notFound, 'ps -c');
  });
});
