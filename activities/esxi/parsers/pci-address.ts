// PCI addresses as ESXi prints them: "0000:02:00.0"; VF addresses in esxcli may show a 5-digit
// segment and a decimal bus ("00000:101:00.1").
export const PCI_ADDRESS = /^[0-9a-fA-F]{4,8}:[0-9a-fA-F]{2,3}:[0-9a-fA-F]{2}\.[0-9a-fA-F]$/;
