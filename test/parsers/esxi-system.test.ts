import * as assert from 'node:assert/strict';
import { parseMaintenanceMode, parseSystemVersion, parseUptimeMicros } from '../../activities/esxi/parsers';
import { assertParseError, fixture, NOT_OUTPUT, whitespaceVariants } from './esxi-variants';

describe('esxi parsers: esxcli system stats uptime get', () => {
  const sample = fixture('uptime.txt');

  it('reads microseconds as a number', () => assert.equal(parseUptimeMicros(sample), 42825414367));

  for (const [label, text] of whitespaceVariants(sample)) {
    it(`tolerates ${label}`, () => assert.equal(parseUptimeMicros(text), 42825414367));
  }

  it('throws ParseError for anything but one integer', () => {
    for (const text of [
      '',
      '42825414367 us',
      '-5',
      '1.5',
      '42825414367\n42825414368\n',
      NOT_OUTPUT.esxcliError,
    ]) {
      assertParseError(parseUptimeMicros, text, 'esxcli system stats uptime get');
    }
    assertParseError(parseUptimeMicros, '99999999999999999999', /integer/);
  });
});

describe('esxi parsers: esxcli system maintenanceMode get', () => {
  it('reads the reference samples', () => {
    assert.equal(parseMaintenanceMode(fixture('maintenance-mode-enabled.txt')), true);
    assert.equal(parseMaintenanceMode(fixture('maintenance-mode-disabled.txt')), false);
  });

  for (const [label, text] of whitespaceVariants(fixture('maintenance-mode-enabled.txt'))) {
    it(`tolerates ${label}`, () => assert.equal(parseMaintenanceMode(text), true));
  }

  it('throws ParseError for anything else', () => {
    for (const text of ['', 'Maintenance mode is already disabled.', 'true', NOT_OUTPUT.esxcliError]) {
      assertParseError(parseMaintenanceMode, text, 'esxcli system maintenanceMode get');
    }
  });
});

describe('esxi parsers: esxcli system version get', () => {
  const sample = fixture('system-version-get.txt');
  const expected = {
    product: 'VMware ESXi',
    version: '8.0.1',
    build: 'Releasebuild-21495797',
    update: '1',
    patch: '0',
  };

  it('reads the reference sample', () => assert.deepEqual(parseSystemVersion(sample), expected));

  for (const [label, text] of whitespaceVariants(sample)) {
    it(`tolerates ${label}`, () => assert.deepEqual(parseSystemVersion(text), expected));
  }

  it('tolerates unknown keys, other indentation and missing optional keys', () => {
    assert.deepEqual(parseSystemVersion('Product: VMware ESXi\n Version: 8.0.2\n   Build Type: release\n'), {
      product: 'VMware ESXi',
      version: '8.0.2',
    });
  });

  it('throws ParseError without Product and Version', () => {
    assertParseError(parseSystemVersion, '', 'esxcli system version get');
    assertParseError(parseSystemVersion, fixture('module-get-nmlx5_core.txt'), /Product/);
  });
});
