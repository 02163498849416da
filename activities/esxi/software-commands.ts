// The `esxcli software` commands of the MFT/NMST install (guide 2), made by the command builder: the
// depot path is checked against its shape (a .zip on a datastore) and quoted for busybox ash.

import { valueShapes as shapes } from '../../common/command-values';
import { shellCommand as sh, value } from '../command-line';

export const softwareCommands = {
  componentApply: (depot: string) => sh('esxcli software component apply -d', value(shapes.depotPath, depot)),
  vibInstall: (depot: string) => sh('esxcli software vib install -d', value(shapes.depotPath, depot)),
  /** The VIBs of the image the next boot runs (what an install staged included). */
  vibListRebootingImage: sh('esxcli software vib list --rebooting-image'),
};
