import type { ExecResult } from '../machine';
import { cardCatalog } from './catalog';
import { findMstDevice, mstAccessPaths, mstName, mstVisibleCards, nmlxPorts } from './derived';
import {
  flintQuery,
  mlxconfigQuery,
  mlxconfigSet,
  mstStatus,
  mstStatusVerbose,
  type MlxDeviceHeader,
} from './format';
import { err, out, type EsxiContext } from './host-context';
import { MLX_PARAMS, type CardState, type MlxParam } from './state';

// NVIDIA MFT on ESXi: /opt/mellanox/bin/mst, mlxconfig, flint. Errors go to stdout with -E- [S].

const MFT_VERSION = 'mft 4.26.1-3, built on Jun 03 2024, 10:21:03. Git SHA Hash: N/A';
const BOOL_PARAMS = new Set<MlxParam>(['SRIOV_EN', 'ADVANCED_PCI_SETTINGS', 'FORCE_ETH_PCI_SUBCLASS']);
const LINK_TYPES: Record<number, string> = { 1: 'IB', 2: 'ETH', 3: 'VPI' };

const eLine = (text: string): ExecResult => ({ stdout: `-E- ${text}\n`, stderr: '', code: 1 });

export function formatMlxValue(param: MlxParam, value: number): string {
  if (BOOL_PARAMS.has(param)) return value ? 'True(1)' : 'False(0)';
  if (param.startsWith('LINK_TYPE')) return `${LINK_TYPES[value] ?? 'Unknown'}(${value})`;
  return String(value);
}

/** Accepts 1, True, true(1), IB, ETH(2) ... as mlxconfig does. */
export function parseMlxValue(param: MlxParam, text: string): number | undefined {
  const t = text.trim();
  const paren = /^[A-Za-z]+\((\d+)\)$/.exec(t);
  if (paren) return parseMlxValue(param, paren[1]);
  if (/^\d+$/.test(t)) return parseInt(t, 10);
  const upper = t.toUpperCase();
  if (BOOL_PARAMS.has(param)) return upper === 'TRUE' ? 1 : upper === 'FALSE' ? 0 : undefined;
  if (param.startsWith('LINK_TYPE')) {
    const entry = Object.entries(LINK_TYPES).find(([, name]) => name === upper);
    return entry ? parseInt(entry[0], 10) : undefined;
  }
  return undefined;
}

/** `device`: the path as given with -d (mlxconfig prints it back), else the card's first path. */
function header(card: CardState, index: number, device?: string): MlxDeviceHeader {
  return {
    index,
    deviceType: cardCatalog[card.model].deviceType,
    name: card.partNumber,
    description: card.description,
    device: device ?? mstName(card),
  };
}

/** `mst status [-vv]`: every access path of every visible card (state.mstPaths, see derived.ts). */
function mstStatusOutput(host: EsxiContext, verbose: boolean): string {
  const state = host.state;
  const cards = mstVisibleCards(state);
  if (!verbose) {
    const names = cards.flatMap((card) => mstAccessPaths(state, card).map((p) => p.name));
    return mstStatus(names, !state.mstPaths?.vmklinux);
  }
  const ports = nmlxPorts(state);
  return mstStatusVerbose(
    cards.flatMap((card) =>
      mstAccessPaths(state, card).map((path) => ({
        deviceType: `${cardCatalog[card.model].deviceType}(rev:0)`,
        mst: path.name,
        pci: `${card.pciBus.toString(16).padStart(2, '0')}:00.${path.fn}`,
        rdma: '',
        net: `net-${ports.find((p) => p.card === card && p.port === path.fn)?.vmnic ?? ''}`,
        numa: '',
      })),
    ),
  );
}

export function mst(host: EsxiContext, argv: string[]): ExecResult {
  const sub = argv[1];
  if (sub === 'status') return out(mstStatusOutput(host, argv.includes('-v') || argv.includes('-vv')));
  if (sub === 'version') return out(`mst, ${MFT_VERSION}\n`);
  if (sub === 'start' || sub === 'stop' || sub === 'restart') return out('');
  return err(`Usage: mst {start|stop|restart|status [-v[v]]|version}\n`);
}

interface MlxArgs {
  device?: string;
  yes: boolean;
  verbose: boolean;
  command?: string;
  params: string[];
}

function parseMlxArgs(argv: string[]): MlxArgs | ExecResult {
  const a: MlxArgs = { yes: false, verbose: false, params: [] };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-d' || arg === '--dev') a.device = argv[++i];
    else if (arg.startsWith('--dev=')) a.device = arg.slice(6);
    else if (arg === '-y' || arg === '--yes') a.yes = true;
    else if (arg === '-e' || arg === '--enable_verbosity') a.verbose = true;
    else if (arg.startsWith('-')) return eLine(`Unrecognized option: ${arg}`);
    else if (a.command === undefined) a.command = arg;
    else a.params.push(arg);
  }
  if (a.device === undefined && argv.some((x) => x === '-d' || x === '--dev'))
    return eLine('Missing device argument');
  return a;
}

function supports(card: CardState, param: string): param is MlxParam {
  return (MLX_PARAMS as readonly string[]).includes(param) && card.mlxconfig[param as MlxParam] !== undefined;
}

function checkParam(card: CardState, name: string): ExecResult | undefined {
  if (!(MLX_PARAMS as readonly string[]).includes(name)) return eLine(`Unknown Parameter: ${name}`);
  if (!supports(card, name)) return eLine(`The Device doesn't support ${name} parameter`);
  return undefined;
}

export function mlxconfig(host: EsxiContext, argv: string[], stdin: string): ExecResult {
  const args = parseMlxArgs(argv);
  if (!('params' in args)) return args;
  if (host.mlxconfigFails()) return eLine('Failed to open the device');
  const command = args.command?.toLowerCase();
  if (command === undefined) return eLine('No command given. See mlxconfig -h for usage.');

  let cards: CardState[];
  if (args.device !== undefined) {
    const card = findMstDevice(host.state, args.device);
    if (!card) return eLine('Failed to open the device');
    cards = [card];
  } else {
    if (command !== 'q' && command !== 'query') return eLine('Device not specified. Use -d <device>.');
    cards = mstVisibleCards(host.state);
    if (!cards.length) return eLine('No devices found.');
  }

  if (command === 'q' || command === 'query') {
    const names = args.params.map((p) => p.toUpperCase());
    let text = '';
    for (const [i, card] of cards.entries()) {
      for (const n of names) {
        const bad = checkParam(card, n);
        if (bad) return bad;
      }
      const params = (names.length ? names : MLX_PARAMS).filter((p): p is MlxParam => supports(card, p));
      const rows = params.map((p) => {
        const v = card.mlxconfig[p] as NonNullable<CardState['mlxconfig'][MlxParam]>;
        return {
          name: p,
          default: formatMlxValue(p, v.default),
          current: formatMlxValue(p, v.current),
          next: formatMlxValue(p, v.next),
        };
      });
      text += mlxconfigQuery(header(card, i + 1, args.device), rows, args.verbose);
    }
    return out(text);
  }

  const card = cards[0];
  if (command === 'set' || command === 's') {
    if (!args.params.length) return eLine('No parameters to set.');
    const changes: { name: MlxParam; value: number }[] = [];
    for (const kv of args.params) {
      const eq = kv.indexOf('=');
      if (eq <= 0) return eLine(`Bad configuration format: ${kv}`);
      const name = kv.slice(0, eq).toUpperCase();
      const bad = checkParam(card, name);
      if (bad) return bad;
      const param = name as MlxParam;
      const value = parseMlxValue(param, kv.slice(eq + 1));
      if (value === undefined) return eLine(`Bad parameter value for ${param}: ${kv.slice(eq + 1)}`);
      if (param === 'NUM_OF_VFS' && value > card.maxNumOfVfs) {
        // The stray quote is in the real message [V].
        return eLine(`Parameter NUM_OF_VFS' value is larger than maximum allowed ${card.maxNumOfVfs}`);
      }
      if (BOOL_PARAMS.has(param) && value > 1)
        return eLine(`Bad parameter value for ${param}: ${kv.slice(eq + 1)}`);
      changes.push({ name: param, value });
    }
    const rows = changes.map((c) => ({
      name: c.name,
      next: formatMlxValue(c.name, card.mlxconfig[c.name]?.next ?? 0),
      value: formatMlxValue(c.name, c.value),
    }));
    const confirmed = args.yes || /^\s*y/i.test(stdin);
    const text = mlxconfigSet(header(card, 1, args.device), rows);
    if (!confirmed) {
      const prompt = text.slice(0, text.indexOf(' Apply new Configuration?'));
      return {
        stdout: `${prompt} Apply new Configuration? (y/n) [n] : N\n-E- Aborted by user.\n`,
        stderr: '',
        code: 1,
      };
    }
    for (const c of changes)
      (card.mlxconfig[c.name] as NonNullable<CardState['mlxconfig'][MlxParam]>).next = c.value;
    host.changed();
    return out(text);
  }
  if (command === 'reset' || command === 'r') {
    if (!args.yes && !/^\s*y/i.test(stdin))
      return {
        stdout: `\nReset configuration for device ${mstName(card)}? (y/n) [n] : N\n-E- Aborted by user.\n`,
        stderr: '',
        code: 1,
      };
    for (const p of MLX_PARAMS) {
      const v = card.mlxconfig[p];
      if (v) v.next = v.default;
    }
    host.changed();
    return out(
      `\nReset configuration for device ${mstName(card)}? (y/n) [n] : y\nApplying... Done!\n-I- Please reboot machine to load new configurations.\n`,
    );
  }
  return eLine(`Unknown command: ${args.command ?? ''}`);
}

export function flint(host: EsxiContext, argv: string[]): ExecResult {
  if (argv[1] === '--version' || argv[1] === '-v') return out(`flint, ${MFT_VERSION}\n`);
  let device: string | undefined;
  const rest: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === '-d' || argv[i] === '--device') device = argv[++i];
    else rest.push(argv[i]);
  }
  if (device === undefined) return eLine('Missing device. Use -d <device>');
  const command = rest[0];
  if (command !== 'q' && command !== 'query') return eLine(`Unknown command "${command ?? ''}"`);
  const card = findMstDevice(host.state, device);
  if (!card) return eLine(`Cannot open Device: ${device}. No such file or directory. MFE_CR_ERROR`);
  const info = cardCatalog[card.model];
  return out(
    flintQuery({
      imageType: 'FS4',
      fwVersion: card.firmware,
      fwReleaseDate: info.firmwareDate,
      productVersion: card.firmware,
      baseGuid: card.baseGuid,
      guids: 8,
      baseMac: card.baseMac,
      macs: 8,
      psid: card.psid,
    }),
  );
}
