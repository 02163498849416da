// The shapes of network addresses ibfleet accepts: IPv4 (dotted quad), IPv6 (RFC 4291 text forms) and
// DNS host names (RFC 1123). Pure string checks in linear time, with no Node built-ins (`node:net` is
// not available to workflows, which validate their input with these too).

const IPV4_PART = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6_GROUP = /^[0-9A-Fa-f]{1,4}$/;
/** A zone (`fe80::1%ib0`): an interface name or index. */
const IPV6_ZONE = /^[A-Za-z0-9_.-]{1,32}$/;
const DNS_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const ALL_DIGITS = /^\d+$/;

/** Four numbers 0-255 without leading zeros (which some resolvers read as octal). */
export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => IPV4_PART.test(p));
}

/** Eight groups of 1-4 hex digits, one `::` at most, an optional dotted-quad tail and zone. */
export function isIPv6(text: string): boolean {
  let s = text;
  const percent = s.indexOf('%');
  if (percent >= 0) {
    if (!IPV6_ZONE.test(s.slice(percent + 1))) return false;
    s = s.slice(0, percent);
  }
  if (s.length > 45) return false;
  // An embedded IPv4 address may only be the last 32 bits: it stands for two groups.
  const lastColon = s.lastIndexOf(':');
  if (lastColon < 0) return false;
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!isIPv4(tail)) return false;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groups = (half: string) => (half === '' ? [] : half.split(':'));
  const all = halves.flatMap(groups);
  if (!all.every((g) => IPV6_GROUP.test(g))) return false;
  return halves.length === 2 ? all.length <= 7 : all.length === 8;
}

/**
 * RFC 1123 host name: labels of letters, digits and inner hyphens (1-63 characters), 253 in all. A
 * name whose last label is all digits is not a host name (RFC 3696 2; no top-level domain is
 * numeric), so `10.0.0.300` or `999.1.1.1` are refused rather than sent to a resolver.
 */
export function isHostName(text: string): boolean {
  if (text.length < 1 || text.length > 253) return false;
  const labels = text.split('.');
  return labels.every((l) => DNS_LABEL.test(l)) && !ALL_DIGITS.test(labels[labels.length - 1]);
}

/** Why `text` is not an address ibfleet can connect to, or undefined when it is one. */
export function addressProblem(text: string): string | undefined {
  if (isIPv4(text) || isIPv6(text) || isHostName(text)) return undefined;
  const base = 'must be an IPv4/IPv6 address or a DNS name';
  if (/^[\d.]+$/.test(text))
    return `${base}: not an IPv4 address (four numbers from 0 to 255, no leading zeros), and a name whose last label is all digits is not a host name`;
  if (text.includes(':')) return `${base}: not a valid IPv6 address`;
  return `${base} (RFC 1123: labels of letters, digits and inner hyphens, up to 63 characters each, the last not all digits)`;
}
