import type { SwitchState } from './state';
import { renderShowVersion } from './show-version';

// The MLNX-OS commands the simulator knows, and how a typed line is matched to one. Like the real CLI,
// every word may be abbreviated to a unique prefix ("en", "conf t", "sh ver"), and a command exists only
// in the modes that offer it: configuration commands typed outside `configure terminal` are unrecognized.

/** user (`>`) < enable (`#`) < config (`(config) #`); a mode offers the commands of the lower ones too. */
export type CliMode = 'user' | 'enable' | 'config';
const LEVEL: Record<CliMode, number> = { user: 0, enable: 1, config: 2 };

export interface CliEffects {
  state: SwitchState;
  mode: CliMode;
}

export interface CommandOutcome {
  output: string;
  /** New mode, if the command changes it. */
  mode?: CliMode;
  /** The session ends (exit from enable/user mode). */
  close?: boolean;
}

interface CliCommand {
  words: string[];
  /** Lowest mode that offers the command. */
  minMode: CliMode;
  /** One trailing free argument (e.g. `terminal length 999`). */
  takesArg?: boolean;
  help: string;
  run(ctx: CliEffects, arg?: string): CommandOutcome;
}

const none = (): CommandOutcome => ({ output: '' });

const COMMANDS: CliCommand[] = [
  {
    words: ['enable'],
    minMode: 'user',
    help: 'Enter enable mode',
    run: () => ({ output: '', mode: 'enable' }),
  },
  {
    words: ['disable'],
    minMode: 'enable',
    help: 'Leave enable mode',
    run: () => ({ output: '', mode: 'user' }),
  },
  {
    words: ['configure', 'terminal'],
    minMode: 'enable',
    help: 'Enter configuration mode',
    run: () => ({ output: '', mode: 'config' }),
  },
  {
    words: ['exit'],
    minMode: 'user',
    help: 'Leave configuration mode, or log out',
    run: (ctx) => (ctx.mode === 'config' ? { output: '', mode: 'enable' } : { output: '', close: true }),
  },
  { words: ['quit'], minMode: 'user', help: 'Log out', run: () => ({ output: '', close: true }) },
  {
    words: ['show', 'version'],
    minMode: 'user',
    help: 'Display version information',
    run: (ctx) => ({ output: renderShowVersion(ctx.state) }),
  },
  {
    words: ['show', 'ib', 'sm'],
    minMode: 'user',
    help: 'Display subnet manager state',
    run: (ctx) => ({ output: (ctx.state.running.smEnabled ? 'enable' : 'disable') + '\n' }),
  },
  {
    words: ['show', 'ib', 'sm', 'virt'],
    minMode: 'user',
    help: 'Display subnet manager virtualization state',
    run: (ctx) => ({ output: (ctx.state.running.smVirtEnabled ? 'Enabled' : 'Disabled') + '\n' }),
  },
  {
    words: ['terminal', 'length'],
    minMode: 'user',
    takesArg: true,
    help: 'Set the number of lines of the terminal',
    run: none,
  },
  {
    words: ['no', 'cli', 'session', 'paging', 'enable'],
    minMode: 'enable',
    help: 'Disable paging',
    run: none,
  },
  {
    words: ['ib', 'sm'],
    minMode: 'config',
    help: 'Enable the subnet manager',
    run: (ctx) => {
      ctx.state.setSmEnabled(true);
      return { output: '' };
    },
  },
  {
    words: ['no', 'ib', 'sm'],
    minMode: 'config',
    help: 'Disable the subnet manager',
    run: (ctx) => {
      ctx.state.setSmEnabled(false);
      return { output: '' };
    },
  },
  {
    words: ['ib', 'sm', 'virt', 'enable'],
    minMode: 'config',
    help: 'Enable subnet manager virtualization',
    run: (ctx) => {
      ctx.state.setSmVirtEnabled(true);
      return { output: '' };
    },
  },
  {
    words: ['ib', 'sm', 'virt', 'disable'],
    minMode: 'config',
    help: 'Disable subnet manager virtualization',
    run: (ctx) => {
      ctx.state.setSmVirtEnabled(false);
      return { output: '' };
    },
  },
  {
    words: ['no', 'ib', 'sm', 'virt'],
    minMode: 'config',
    help: 'Disable subnet manager virtualization',
    run: (ctx) => {
      ctx.state.setSmVirtEnabled(false);
      return { output: '' };
    },
  },
  {
    words: ['configuration', 'write'],
    minMode: 'config',
    help: 'Save the running configuration',
    run: (ctx) => {
      ctx.state.writeConfiguration();
      return { output: '' };
    },
  },
  {
    words: ['write', 'memory'],
    minMode: 'enable',
    help: 'Save the running configuration',
    run: (ctx) => {
      ctx.state.writeConfiguration();
      return { output: '' };
    },
  },
];

function unrecognized(word: string, typedBefore: string[]): string {
  const helpAt = typedBefore.length ? `${typedBefore.join(' ')} ?` : '?';
  return `% Unrecognized command "${word}".\nType "${helpAt}" for help.\n`;
}

/** Runs one typed line in `mode`; the result's output carries any `%` error. */
export function runCliLine(line: string, ctx: CliEffects): CommandOutcome & { error?: boolean } {
  const words = line
    .trim()
    .split(/\s+/)
    .filter((w) => w.length > 0);
  if (words.length === 0) return { output: '' };
  if (words[0] === '?' || words[words.length - 1] === '?')
    return { output: helpFor(words.slice(0, -1), ctx.mode) };

  let candidates = COMMANDS.filter((c) => LEVEL[c.minMode] <= LEVEL[ctx.mode]);
  const canonical: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const typed = words[i];
    // A command that takes a free argument accepts anything after its words.
    const withArg = candidates.find((c) => c.takesArg && c.words.length === i);
    if (withArg && i === words.length - 1) return withArg.run(ctx, typed);
    const alive = candidates.filter((c) => c.words.length > i);
    const exact = alive.filter((c) => c.words[i] === typed);
    const matching = exact.length ? exact : alive.filter((c) => c.words[i].startsWith(typed));
    const distinct = new Set(matching.map((c) => c.words[i]));
    if (distinct.size === 0) return { output: unrecognized(typed, canonical), error: true };
    if (distinct.size > 1) {
      return {
        output: `% Ambiguous command "${typed}".\nType "${[...canonical, typed].join(' ')}?" for help.\n`,
        error: true,
      };
    }
    canonical.push([...distinct][0]);
    candidates = matching;
  }
  const complete = candidates.find((c) => c.words.length === words.length && !c.takesArg);
  if (!complete)
    return { output: `% Incomplete command.\nType "${canonical.join(' ')} ?" for help.\n`, error: true };
  return complete.run(ctx);
}

function helpFor(prefix: string[], mode: CliMode): string {
  const offered = COMMANDS.filter((c) => LEVEL[c.minMode] <= LEVEL[mode]).filter((c) =>
    prefix.every((w, i) => c.words[i] !== undefined && c.words[i].startsWith(w)),
  );
  const next = new Map<string, string>();
  for (const c of offered) {
    const word = c.words[prefix.length];
    if (word !== undefined && !next.has(word))
      next.set(word, c.words.length === prefix.length + 1 ? c.help : '');
    if (word === undefined && !next.has('<cr>')) next.set('<cr>', '');
  }
  if (next.size === 0)
    return `% Unrecognized command "${prefix[prefix.length - 1] ?? '?'}".\nType "?" for help.\n`;
  return [...next.entries()].map(([w, h]) => `  ${w.padEnd(22)}${h}`.trimEnd()).join('\n') + '\n';
}
