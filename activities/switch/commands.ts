// The MLNX-OS CLI lines ibfleet types on a switch, made by the command builder (plain CLI words only:
// the CLI has no shell quoting, so a value that would need quoting is refused, never typed).

import { cliLine } from '../command-line';

export const switchCommands = {
  enable: cliLine('enable'),
  showVersion: cliLine('show version'),
  showIbSm: cliLine('show ib sm'),
  showIbSmVirt: cliLine('show ib sm virt'),
  configureTerminal: cliLine('configure terminal'),
  ibSmVirtEnable: cliLine('ib sm virt enable'),
  ibSm: cliLine('ib sm'),
  noIbSm: cliLine('no ib sm'),
  configurationWrite: cliLine('configuration write'),
};
