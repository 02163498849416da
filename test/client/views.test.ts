import assert from 'node:assert/strict';
import { auditRecords, renderAuditJsonl, renderAuditText } from '../../client/rollout/audit';
import { planRetry, retryId } from '../../client/rollout/retry-plan';
import { progressChanges } from '../../client/watch/changes';
import { renderProgressFrame } from '../../client/watch/render';
import { everyHostSucceeded, renderReportSummary } from '../../client/watch/summary';
import { reportExitCode } from '../../client/watch/watch';
import { rampText } from '../../common/ramp';
import type { ProcedureReport } from '../../common/reports';
import {
  rolloutOptionsSchema,
  type HostProgress,
  type RolloutInput,
  type RolloutProgress,
  type RolloutReport,
} from '../../common/rollout';
import type { HostRef } from '../../common/targets';
import { parseWindow, windowStatus } from '../../common/windows';

// The watch view, the final summary, the audit trail and the retry selection, from synthetic progress.

const NOW = new Date('2025-03-04T06:00:00Z');

function progress(hosts: HostProgress[], extra: Partial<RolloutProgress> = {}): RolloutProgress {
  const counts = {
    pending: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    'needs-attention': 0,
    skipped: 0,
    cancelled: 0,
  };
  for (const h of hosts) counts[h.phase]++;
  return {
    rolloutId: 'r1',
    procedure: 'recovery-cycle',
    phase: 'running',
    counts,
    total: hosts.length,
    hosts,
    startedAt: '2025-03-04T05:00:00Z',
    elapsedMs: 3_600_000,
    etaMs: 600_000,
    continueAsNewCount: 0,
    budget: {
      allowed: 1,
      used: hosts.filter((h) => h.phase === 'failed' || h.phase === 'needs-attention').length,
      exceeded: false,
    },
    ...extra,
  };
}

const hostsMidway: HostProgress[] = [
  {
    name: 'esx-01',
    cluster: 'gpu-a',
    phase: 'succeeded',
    startedAt: '2025-03-04T05:00:00Z',
    finishedAt: '2025-03-04T05:20:00Z',
    reboots: 2,
    runId: 'run-1',
  },
  {
    name: 'esx-02',
    cluster: 'gpu-a',
    phase: 'running',
    step: 'await-return-1',
    startedAt: '2025-03-04T05:50:00Z',
    runId: 'run-2',
  },
  {
    name: 'esx-03',
    cluster: 'gpu-b',
    phase: 'needs-attention',
    reason: 'host did not return within 45m',
    stoppedInStep: 'await-return-2',
    leftMidCycle: true,
    runId: 'run-3',
  },
  { name: 'esx-04', cluster: 'gpu-b', phase: 'pending' },
];

function procReport(target: string, outcome: ProcedureReport['outcome']): ProcedureReport {
  return {
    target,
    procedure: 'recovery-cycle',
    outcome,
    found: {},
    changes: ["nmlx5_core options '' → 'mst_recovery=1'"],
    reboots: 2,
    steps: [
      {
        name: 'read-state',
        status: 'done',
        detail: 'ESXi 8.0.2',
        startedAt: '2025-03-04T05:00:01Z',
        durationMs: 1200,
      },
    ],
    commands: [
      {
        step: 'read-state',
        command: 'esxcfg-module -g nmlx5_core',
        exitCode: 0,
        durationMs: 40,
        at: '2025-03-04T05:00:01Z',
      },
    ],
    startedAt: '2025-03-04T05:00:00Z',
    finishedAt: '2025-03-04T05:20:00Z',
    finalState: {},
  };
}

function report(hosts: HostProgress[], phase: RolloutReport['phase']): RolloutReport {
  const p = progress(hosts, { phase });
  return {
    ...p,
    problems: hosts
      .filter((h) => !['succeeded', 'pending', 'running'].includes(h.phase))
      .map((h) => ({
        name: h.name,
        outcome: h.phase as 'failed',
        reason: h.reason ?? 'not started',
        stoppedInStep: h.stoppedInStep,
      })),
    finishedAt: '2025-03-04T06:10:00Z',
    startedBy: 'op@admin',
    params: {},
    options: rolloutOptionsSchema.parse({}),
    events: [{ at: '2025-03-04T05:00:00Z', action: 'started', reason: 'op@admin' }],
  };
}

describe('client: watch view', () => {
  it('renders a frame: bar, counts, elapsed/ETA, running hosts with their step, problems', () => {
    const lines = renderProgressFrame(progress(hostsMidway), { width: 120, maxHostLines: 10, now: NOW });
    const text = lines.join('\n');
    assert.match(lines[0], /^Rollout r1 {2}recovery-cycle {2}RUNNING/);
    assert.match(lines[1], /^\[#+\.+\] 2\/4 done \(50%\) {2}elapsed 1h00m {2}ETA 10m00s$/);
    assert.match(lines[2], /succeeded 1 {2}running 1 {2}pending 1 {2}needs-attention 1/);
    assert.match(text, /failure budget: 1 of 1 used/);
    assert.match(text, / {2}esx-02 {2}gpu-a {2}await-return-1 +10m00s/);
    assert.match(text, /! esx-03 needs-attention: host did not return within 45m/);
  });

  it('tells the operator what to do when waiting for approval', () => {
    const [first] = renderProgressFrame(progress(hostsMidway, { phase: 'awaiting-approval' }), {
      width: 200,
      maxHostLines: 10,
      now: NOW,
    });
    assert.match(first, /AWAITING-APPROVAL {2}-> canary done; continue with: ibfleet rollout approve r1/);
  });

  it('prints one line per change when not on a terminal', () => {
    const before = progress(hostsMidway);
    const after = progress([
      hostsMidway[0],
      { ...hostsMidway[1], phase: 'succeeded' },
      hostsMidway[2],
      { name: 'esx-04', cluster: 'gpu-b', phase: 'running', step: 'read-state' },
    ]);
    assert.deepEqual(progressChanges(undefined, before, NOW).slice(0, 1), [
      '2025-03-04T06:00:00Z rollout r1 recovery-cycle: running, 2/4 done',
    ]);
    assert.deepEqual(progressChanges(before, after, NOW), [
      '2025-03-04T06:00:00Z esx-02 succeeded',
      '2025-03-04T06:00:00Z esx-04 running read-state',
      '2025-03-04T06:00:00Z progress 3/4 done',
    ]);
    assert.deepEqual(progressChanges(after, after, NOW), []);
  });
});

describe('client: why hosts wait (issue #16: windows, ramp, gates, fleet-wide limit)', () => {
  // The texts as the rollout makes them (common/windows, common/ramp), at NOW (Tue 07:00 in Berlin).
  const window = [parseWindow('Mon-Fri 22:00-06:00 Europe/Berlin')];
  const windowWait = (atMs: number) => windowStatus(window, atMs).text;
  const ramp = rampText([1, 2, 4], 1, 8) ?? '';
  const gate = '1 health gate(s), checked before each start';
  const waiting = (atMs = NOW.getTime()) =>
    progress(hostsMidway, { waitingFor: windowWait(atMs), operations: [windowWait(atMs), ramp, gate] });

  it('status and the live view: why no host starts, then each operations line, one short line each', () => {
    const lines = renderProgressFrame(waiting(), { width: 120, maxHostLines: 10, now: NOW });
    const budget = lines.findIndex((l) => l.startsWith('failure budget'));
    assert.deepEqual(lines.slice(budget + 1, budget + 4), [
      'no new host starts: waiting for the window Tue 22:00 CET, in 15h00m',
      'ops: ramp step 2/3: 2 in flight, 4 once 3 succeeded (1 so far)',
      `ops: ${gate}`,
    ]);
    const narrow = renderProgressFrame(waiting(), { width: 40, maxHostLines: 10, now: NOW });
    assert.ok(narrow.every((l) => l.length <= 40));
  });

  it('a reason the phase line already gives is not repeated; no lines when nothing holds', () => {
    const approval = progress(hostsMidway, {
      phase: 'awaiting-approval',
      waitingFor: 'the canary is done: waiting for approval',
    });
    const text = renderProgressFrame(approval, { width: 200, maxHostLines: 10, now: NOW }).join('\n');
    assert.doesNotMatch(text, /no new host starts/);
    const plain = renderProgressFrame(progress(hostsMidway), { width: 200, maxHostLines: 10, now: NOW });
    assert.ok(!plain.some((l) => /^(no new host starts|ops):/.test(l)));
  });

  it('not on a terminal: the reasons with the first line, a new reason once, not each tick of its countdown', () => {
    const at = '2025-03-04T06:00:00Z';
    assert.deepEqual(progressChanges(undefined, waiting(), NOW).slice(0, 4), [
      `${at} rollout r1 recovery-cycle: running, 2/4 done`,
      `${at} no new host starts: waiting for the window Tue 22:00 CET, in 15h00m`,
      `${at} ops: ${ramp}`,
      `${at} ops: ${gate}`,
    ]);
    const aMinuteLater = waiting(NOW.getTime() + 60_000);
    assert.match(aMinuteLater.waitingFor ?? '', /in 14h59m/);
    assert.deepEqual(progressChanges(waiting(), aMinuteLater, NOW), []);
    const gateFails = {
      ...aMinuteLater,
      waitingFor: 'health gate "http GET http://127.0.0.1/ok" failed: 503',
    };
    assert.deepEqual(progressChanges(aMinuteLater, gateFails, NOW), [
      `${at} no new host starts: health gate "http GET http://127.0.0.1/ok" failed: 503`,
    ]);
    const open = { ...gateFails, waitingFor: undefined };
    assert.deepEqual(progressChanges(gateFails, open, NOW), [`${at} hosts start again`]);
  });
});

describe('client: final summary and exit code', () => {
  it('lists the problems with reasons and suggests retry; exit 1', () => {
    const r = report(
      [hostsMidway[0], hostsMidway[2], { name: 'esx-04', cluster: 'gpu-b', phase: 'skipped' }],
      'failed',
    );
    const text = renderReportSummary(r).join('\n');
    assert.match(text, /Rollout r1 \(recovery-cycle\) FAILED after 1h10m, started by op@admin/);
    assert.match(
      text,
      /esx-03 +needs-attention +host did not return within 45m \(in step await-return-2\) \[left between the two reboots/,
    );
    assert.match(text, /esx-04 +skipped +not started/);
    assert.match(text, /Next: ibfleet rollout retry r1/);
    assert.equal(reportExitCode(r), 1);
  });

  it('exit 0 only when every host succeeded', () => {
    const ok = report([hostsMidway[0]], 'succeeded');
    assert.equal(everyHostSucceeded(ok), true);
    assert.equal(reportExitCode(ok), 0);
    assert.doesNotMatch(renderReportSummary(ok).join('\n'), /retry/);
  });
});

describe('client: audit trail', () => {
  const r = report(
    [hostsMidway[0], hostsMidway[2], { name: 'esx-04', cluster: 'gpu-b', phase: 'cancelled' }],
    'cancelled',
  );
  const reports = new Map([['esx-01', procReport('esx-01', 'succeeded')]]);

  it('has a rollout line, then per host a host line and its step and command lines', () => {
    const records = auditRecords(r, reports);
    assert.deepEqual(
      records.map((x) => `${x.type}:${typeof x.host === 'string' ? x.host : ''}`),
      ['rollout:', 'host:esx-01', 'step:esx-01', 'command:esx-01', 'host:esx-03', 'host:esx-04'],
    );
    const rollout = records[0];
    assert.equal(rollout.startedBy, 'op@admin');
    assert.equal(rollout.procedure, 'recovery-cycle');
    assert.equal(rollout.durationMs, 70 * 60_000);
    assert.equal(rollout.outcome, 'not-all-succeeded');
    assert.ok(rollout.options);
    assert.deepEqual(records[1], {
      type: 'host',
      rolloutId: 'r1',
      host: 'esx-01',
      cluster: 'gpu-a',
      outcome: 'succeeded',
      reboots: 2,
      startedAt: '2025-03-04T05:00:00Z',
      finishedAt: '2025-03-04T05:20:00Z',
      durationMs: 20 * 60_000,
      workflowRunId: 'run-1',
      changes: ["nmlx5_core options '' → 'mst_recovery=1'"],
    });
    assert.deepEqual(records[3], {
      type: 'command',
      rolloutId: 'r1',
      host: 'esx-01',
      step: 'read-state',
      command: 'esxcfg-module -g nmlx5_core',
      exitCode: 0,
      durationMs: 40,
      at: '2025-03-04T05:00:01Z',
    });
    assert.equal(records[4].reason, 'host did not return within 45m');
    assert.equal(records[4].stoppedInStep, 'await-return-2');
    assert.equal(records[4].leftMidCycle, true);
  });

  it('renders JSON Lines and text', () => {
    const jsonl = renderAuditJsonl(r, reports);
    const lines = jsonl.trimEnd().split('\n');
    assert.equal(lines.length, 6);
    for (const l of lines) JSON.parse(l);
    const text = renderAuditText(r, reports);
    assert.match(text, /esx-01 \(gpu-a\): succeeded in 20m00s, 2 reboot\(s\)/);
    assert.match(text, / {2}done {4}read-state {2}\(1s\) {2}ESXi 8\.0\.2/);
    assert.match(text, /\$ esxcfg-module -g nmlx5_core {2}-> exit 0, 40ms/);
  });
});

describe('client: retry selection', () => {
  const host = (name: string): HostRef => ({
    kind: 'esxi',
    name,
    cluster: 'c',
    address: name,
    port: 22,
    username: 'root',
    hostKey: 'k',
    credential: { type: 'agent' },
    tags: [],
  });
  const input: RolloutInput = {
    rolloutId: 'r1',
    procedure: 'recovery-cycle',
    params: {},
    targets: ['esx-01', 'esx-03', 'esx-04', 'esx-05'].map(host),
    options: rolloutOptionsSchema.parse({}),
    startedBy: 'op@admin',
  };

  it('retries every target that did not succeed, never the ones that did', () => {
    const r = report(
      [
        hostsMidway[0],
        hostsMidway[2],
        { name: 'esx-04', cluster: 'c', phase: 'cancelled', reason: 'cancelled by op' },
      ],
      'cancelled',
    );
    const plan = planRetry(input, r);
    assert.deepEqual(
      plan.targets.map((t) => t.name),
      ['esx-03', 'esx-04', 'esx-05'],
    );
    assert.equal(plan.succeeded, 1);
    assert.deepEqual(plan.retried, [
      { name: 'esx-03', previously: 'needs-attention', reason: 'host did not return within 45m' },
      { name: 'esx-04', previously: 'cancelled', reason: 'cancelled by op' },
      { name: 'esx-05', previously: 'not started', reason: undefined },
    ]);
  });

  it('numbers retries from the original ID', () => {
    assert.equal(retryId('r1', 0), 'r1-retry-1');
    assert.equal(retryId('r1', 2), 'r1-retry-3');
    assert.equal(retryId('r1-retry-1', 0), 'r1-retry-2');
  });
});
