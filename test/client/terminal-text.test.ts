import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import type { TemporalFactory } from '../../client/deps';
import { terminalSafe } from '../../client/terminal-text';
import type { ProcedureReport } from '../../common/reports';
import {
  rolloutOptionsSchema,
  type HostProgress,
  type RolloutProgress,
  type RolloutReport,
} from '../../common/rollout';
import { rolloutWorkflowId } from '../../common/targets';
import { harness } from './harness';

// Text from hosts (stderr in failure reasons, step details, commands) reaches the operator's terminal
// through the CLI's report, status and live view: escape sequences in it are shown, never acted on.

/** What a hostile host prints: OSC 52 (write the clipboard), clear screen + home, a C1 CSI, an RTL override, CR, BS, DEL. */
const EVIL =
  'mlxconfig said \x1b]52;c;cm0gLXJmIH4=\x07 then\x1b[2J\x1b[H cleared \u009b31m red \u202egnp.exe\r over\x08\x7f end';
const ESCAPED =
  'mlxconfig said \\u001b]52;c;cm0gLXJmIH4=\\u0007 then\\u001b[2J\\u001b[H cleared \\u009b31m red \\u202egnp.exe\\u000d over\\u0008\\u007f end';
/** Anything a terminal acts on, besides \n and \t. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
/** The live view's own redraw (cursor up, to column 0, clear below). */
// eslint-disable-next-line no-control-regex
const REDRAW = /\x1b\[\d+A\r\x1b\[0J/g;

const ID = 'evil-1';
const hosts: HostProgress[] = [
  {
    name: 'esx-01',
    cluster: 'gpu-a',
    phase: 'running',
    step: 'read-state',
    startedAt: '2025-03-04T05:00:00Z',
    runId: 'run-1',
  },
  {
    name: 'esx-02',
    cluster: 'gpu-a',
    phase: 'failed',
    reason: EVIL,
    stoppedInStep: 'set-mlxconfig',
    runId: 'run-2',
  },
];
const counts = {
  pending: 0,
  running: 1,
  succeeded: 0,
  failed: 1,
  'needs-attention': 0,
  skipped: 0,
  cancelled: 0,
};
const progress: RolloutProgress = {
  rolloutId: ID,
  procedure: 'recovery-cycle',
  phase: 'running',
  counts,
  total: 2,
  hosts,
  startedAt: '2025-03-04T05:00:00Z',
  elapsedMs: 60_000,
  continueAsNewCount: 0,
  budget: { allowed: 1, used: 1, exceeded: false },
};
const finalHosts: HostProgress[] = [
  { ...hosts[0], phase: 'failed', reason: EVIL, step: undefined },
  hosts[1],
];
const report: RolloutReport = {
  ...progress,
  phase: 'failed',
  counts: { ...counts, running: 0, failed: 2 },
  hosts: finalHosts,
  problems: finalHosts.map((h) => ({
    name: h.name,
    outcome: 'failed' as const,
    reason: EVIL,
    stoppedInStep: 'set-mlxconfig',
  })),
  finishedAt: '2025-03-04T05:10:00Z',
  startedBy: 'op@admin',
  params: {},
  options: rolloutOptionsSchema.parse({}),
  events: [{ at: '2025-03-04T05:00:00Z', action: 'started', reason: EVIL }],
};
const hostReport: ProcedureReport = {
  target: 'esx-02',
  procedure: 'recovery-cycle',
  outcome: 'failed',
  reason: EVIL,
  found: {},
  changes: [EVIL],
  reboots: 0,
  steps: [
    {
      name: 'set-mlxconfig',
      status: 'failed',
      detail: EVIL,
      startedAt: '2025-03-04T05:00:01Z',
      durationMs: 10,
    },
  ],
  commands: [
    { step: 'set-mlxconfig', command: EVIL, exitCode: 1, durationMs: 5, at: '2025-03-04T05:00:01Z' },
  ],
  startedAt: '2025-03-04T05:00:00Z',
  finishedAt: '2025-03-04T05:10:00Z',
  finalState: {},
};

/** A Temporal client that knows one rollout (running until `closeAfterMs`, if given, else closed) and its host workflows. */
function fakeTemporal(opts: { running: boolean; closeAfterMs?: number }): TemporalFactory {
  const rollout = {
    describe: () =>
      Promise.resolve({
        status: { name: opts.running ? 'RUNNING' : 'FAILED' },
        startTime: new Date('2025-03-04T05:00:00Z'),
      }),
    result: () =>
      opts.closeAfterMs === undefined && opts.running
        ? new Promise(() => undefined)
        : new Promise((resolve) => setTimeout(() => resolve(report), opts.closeAfterMs ?? 0)),
    query: () => Promise.resolve(progress),
  };
  const host = {
    describe: () => Promise.resolve({ status: { name: 'FAILED' } }),
    result: () => Promise.resolve(hostReport),
    query: () =>
      Promise.resolve({
        procedure: 'recovery-cycle',
        target: 'esx-01',
        step: `read-state ${EVIL}`,
        stepsDone: [],
        reboots: 0,
      }),
  };
  const client = {
    workflow: { getHandle: (workflowId: string) => (workflowId === rolloutWorkflowId(ID) ? rollout : host) },
    withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn(),
  } as unknown as Client;
  return () => Promise.resolve({ client, namespace: 'default', close: () => Promise.resolve() });
}

function assertShownNotActedOn(stdout: string): void {
  assert.doesNotMatch(stdout, UNSAFE, JSON.stringify(stdout.match(UNSAFE)?.[0]));
  assert.ok(stdout.includes(ESCAPED), stdout);
}

describe('client: host text is escaped before it reaches the terminal', () => {
  it('terminalSafe writes controls, C1 and bidi characters as \\uXXXX and keeps \\n and \\t', () => {
    assert.equal(terminalSafe(EVIL), ESCAPED);
    assert.equal(terminalSafe('a\tb\nc é 日本'), 'a\tb\nc é 日本');
    assert.equal(terminalSafe(terminalSafe(EVIL)), ESCAPED);
    for (const c of [
      '\u0000',
      '\u001b',
      '\u0085',
      '\u009b',
      '\u061c',
      '\u200f',
      '\u2028',
      '\u202a',
      '\u202e',
      '\u2066',
      '\u2069',
    ])
      assert.doesNotMatch(terminalSafe(`x${c}y`), UNSAFE, JSON.stringify(c));
    // Inside JSON strings the escape is the same value: machine-readable output stays exact.
    const json = JSON.stringify({ reason: EVIL });
    assert.deepEqual(JSON.parse(terminalSafe(json)), { reason: EVIL });
  });

  it('rollout report (text, jsonl, json) shows escape sequences from hosts as text', async () => {
    const text = harness({ connectTemporal: fakeTemporal({ running: false }) });
    assert.equal(await text.run('rollout', 'report', ID, '--format', 'text'), 0, text.stderr());
    assertShownNotActedOn(text.stdout());
    assert.match(text.stdout(), /\$ mlxconfig said \\u001b\]52/);

    const jsonl = harness({ connectTemporal: fakeTemporal({ running: false }) });
    assert.equal(await jsonl.run('rollout', 'report', ID, '--format', 'jsonl'), 0, jsonl.stderr());
    assert.doesNotMatch(jsonl.stdout(), UNSAFE);
    const records = jsonl
      .stdout()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(records.find((r) => r.type === 'command')?.command, EVIL, 'the audit data itself is exact');

    const json = harness({ connectTemporal: fakeTemporal({ running: false }) });
    assert.equal(await json.run('rollout', 'report', ID, '--format', 'json'), 0, json.stderr());
    assert.doesNotMatch(json.stdout(), UNSAFE);
    assert.equal((JSON.parse(json.stdout()) as { report: RolloutReport }).report.problems[0].reason, EVIL);
  });

  it('rollout status and the summary of a closed rollout', async () => {
    const running = harness({ connectTemporal: fakeTemporal({ running: true }) });
    assert.equal(await running.run('rollout', 'status', ID), 0, running.stderr());
    assertShownNotActedOn(running.stdout());
    const closed = harness({ connectTemporal: fakeTemporal({ running: false }) });
    assert.equal(await closed.run('rollout', 'status', ID), 0, closed.stderr());
    assertShownNotActedOn(closed.stdout());
  });

  it('the live view on a terminal writes only its own redraw sequence', async () => {
    const h = harness({ connectTemporal: fakeTemporal({ running: true, closeAfterMs: 150 }), isTTY: true });
    assert.equal(await h.run('rollout', 'watch', ID), 1, h.stderr());
    const out = h.stdout();
    assert.match(out, REDRAW, 'the frame was redrawn at least once');
    assertShownNotActedOn(out.replace(REDRAW, ''));
    assert.match(out, /read-state mlxconfig said \\u001b/, 'the running step, escaped');
  });

  it('the line-per-change view (logs, pipes) too', async () => {
    const h = harness({ connectTemporal: fakeTemporal({ running: true, closeAfterMs: 150 }) });
    assert.equal(await h.run('rollout', 'watch', ID), 1, h.stderr());
    assertShownNotActedOn(h.stdout());
  });
});
