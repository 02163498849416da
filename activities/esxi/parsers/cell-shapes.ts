import { PCI_ADDRESS } from './pci-address';

// What a table cell must look like. A table whose columns were cut wrongly (a different separator
// width, a drifted or missing underline, a wrapped line) shows it here: a NIC name that is empty, a
// PCI address column holding "vmnic0 0000:81:00.0 igbn". Parsers check every shaped cell and refuse
// the table (ParseError) rather than return it wrong.

export interface CellShape {
  /** For error messages: "a PCI address such as 0000:02:00.0". */
  what: string;
  /** The cell never contains a space (an order-based reading may rely on it). */
  oneWord: boolean;
  test(cell: string): boolean;
}

function shape(what: string, re: RegExp, oneWord = true): CellShape {
  return { what, oneWord, test: (cell) => re.test(cell) };
}

export const SHAPES = {
  /** vmnic0, vusb0 (USB NIC fling), vmnic1000102 (vmklinux VF ports). */
  nicName: shape('a NIC name such as vmnic0', /^[A-Za-z][A-Za-z0-9_]*\d$/),
  pciAddress: shape('a PCI address such as 0000:02:00.0', PCI_ADDRESS),
  /** A PCI address, or one word for NICs without one ("Pseudo" for USB NICs). */
  pciDevice: {
    what: 'a PCI address such as 0000:02:00.0 (or a word such as Pseudo)',
    oneWord: true,
    test: (cell: string) => PCI_ADDRESS.test(cell) || /^[A-Za-z]+$/.test(cell),
  } satisfies CellShape,
  name: shape('a name (one word)', /^[A-Za-z0-9][\w.+-]*$/),
  word: shape('one word', /^\S+$/),
  upDown: shape('Up or Down', /^(?:Up|Down|Unknown)$/i),
  duplex: shape('Full or Half', /^(?:Full|Half)$/i),
  number: shape('a number', /^\d+$/),
  bool: shape('true or false', /^(?:true|false)$/i),
  mac: shape('a MAC address such as ec:0d:9a:8a:27:8a', /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$/),
  worldIdOrDash: shape('a world id or "-"', /^(?:\d+|-)$/),
  version: shape('a version (one word with a digit)', /^\S*\d\S*$/),
  acceptanceLevel: shape(
    'an acceptance level such as VMwareCertified',
    /^(?:VMwareCertified|VMwareAccepted|PartnerSupported|CommunitySupported)$/,
  ),
  /** "2023-04-29" (one published ESXi 7 row shows "2022-06-08-08"). */
  installDate: shape('a date such as 2023-04-29', /^\d{4}-\d{2}-\d{2}\S*$/),
  /** Free text, possibly blank. */
  text: { what: 'text', oneWord: false, test: () => true } satisfies CellShape,
} as const;
