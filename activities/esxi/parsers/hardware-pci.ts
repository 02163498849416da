import { keyValueOf } from './esxcli-keyvalue';
import { ParseError } from './parse-error';
import { PCI_ADDRESS } from './pci-address';
import { definedOnly, isBlank, toLines } from './text';

// `esxcli hardware pci list`: one block per device, the address alone on the first line, then
// "   Key: value" lines; blocks separated by blank lines.

const COMMAND = 'esxcli hardware pci list';

export interface PciDevice {
  address: string;
  vendorId?: number;
  deviceId?: number;
  vendorName?: string;
  deviceName?: string;
  /** "vmnic2" (blank for devices without a vmkernel name). */
  vmkernelName?: string;
  deviceClassName?: string;
  moduleName?: string;
  /** Every field as printed. */
  fields: Record<string, string>;
}

function hex(value: string | undefined): number | undefined {
  return value !== undefined && /^0x[0-9a-fA-F]+$/.test(value) ? Number.parseInt(value, 16) : undefined;
}

function deviceOf(address: string, fields: Record<string, string>): PciDevice {
  const text = (key: string) => fields[key] || undefined;
  return definedOnly<PciDevice>({
    address,
    vendorId: hex(fields['Vendor ID']),
    deviceId: hex(fields['Device ID']),
    vendorName: text('Vendor Name'),
    deviceName: text('Device Name'),
    vmkernelName: text('VMkernel Name'),
    deviceClassName: text('Device Class Name'),
    moduleName: text('Module Name'),
    fields,
  });
}

export function parseHardwarePciList(text: string): PciDevice[] {
  const devices: PciDevice[] = [];
  let current: { address: string; fields: Record<string, string> } | undefined;
  const flush = () => current && devices.push(deviceOf(current.address, current.fields));
  for (const line of toLines(text)) {
    if (isBlank(line)) continue;
    if (PCI_ADDRESS.test(line.trim()) && !/^\s/.test(line)) {
      flush();
      current = { address: line.trim(), fields: {} };
      continue;
    }
    const kv = keyValueOf(line);
    if (current && kv && !(kv[0] in current.fields)) current.fields[kv[0]] = kv[1];
  }
  flush();
  if (devices.length === 0) throw new ParseError(COMMAND, 'blocks starting with a PCI address line', text);
  return devices;
}
