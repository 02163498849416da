import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { createGateActivities } from '../../activities/gates';
import {
  decideAfterCheck,
  describeGate,
  parseGate,
  GateSpecError,
  type Gate,
  type GateTiming,
} from '../../common/gates';
import { testEnv, uniqueTaskQueue, workflowBundle } from '../helpers/temporal-env';
import { HttpReceiver } from './http-receiver';
import { gateWaitWorkflow } from './gate-workflows';

describe('ops: health gate specs', () => {
  it('parses http and cmd gates', () => {
    assert.deepEqual(parseGate('http GET http://127.0.0.1:9090/healthy expect 200'), {
      kind: 'http',
      method: 'GET',
      target: { url: 'http://127.0.0.1:9090/healthy' },
      expect: ['200'],
    });
    assert.deepEqual(parseGate('http HEAD env:IBFLEET_NOTIFY_PROM expect 200,2xx'), {
      kind: 'http',
      method: 'HEAD',
      target: { env: 'IBFLEET_NOTIFY_PROM' },
      expect: ['200', '2xx'],
    });
    assert.deepEqual(parseGate('http GET http://x/ready'), {
      kind: 'http',
      method: 'GET',
      target: { url: 'http://x/ready' },
      expect: ['2xx'],
    });
    assert.deepEqual(parseGate(`cmd /usr/local/bin/check-alerts --cluster 'gpu a' "say \\"hi\\"" a\\ b`), {
      kind: 'cmd',
      argv: ['/usr/local/bin/check-alerts', '--cluster', 'gpu a', 'say "hi"', 'a b'],
    });
    // Quoted, a shell operator is just an argument.
    assert.deepEqual(parseGate(`cmd /bin/check '|' '$(x)'`), {
      kind: 'cmd',
      argv: ['/bin/check', '|', '$(x)'],
    });
    assert.equal(
      describeGate(parseGate(`cmd /bin/check 'gpu a' it\\'s`)),
      `cmd /bin/check 'gpu a' 'it'\\''s'`,
    );
  });

  it('refuses bad values with the reason', () => {
    const refused = (text: string, reason: RegExp) =>
      assert.throws(
        () => parseGate(text),
        (e: Error) => e instanceof GateSpecError && reason.test(e.message),
      );
    refused('ping 10.0.0.1', /must start with http or cmd/);
    refused('http POST http://x/', /expected http GET\|HEAD/);
    refused('http GET', /expected a URL/);
    refused('http GET http://x/ expect', /expected "expect CODES"/);
    refused('http GET http://x/ expect 600', /"600": must be a status code/);
    refused('http GET https://hooks.slack.com/services/a/b/c', /Slack webhook/);
    refused('http GET http://x/?token=abc', /secret-looking query parameter "token"/);
    refused('cmd check-alerts', /absolute path/);
    refused('cmd /bin/check | grep ok', /"\|": cmd gates run without a shell/);
    refused('cmd /bin/check > /tmp/x', /">": cmd gates run without a shell/);
    refused('cmd /bin/check $(id)', /"\$\(id\)": cmd gates run without a shell/);
    refused(`cmd /bin/check 'unterminated`, /unterminated single quote/);
  });
});

describe('ops: the gate controller', () => {
  const timing: GateTiming = { pollIntervalMs: 30_000, timeoutMs: 10 * 60_000 };
  const fail = (atMs: number) => ({
    atMs,
    results: [{ gate: 'http GET http://p/ expect 200', ok: false, detail: 'HTTP 503' }],
  });
  const pass = (atMs: number) => ({
    atMs,
    results: [{ gate: 'http GET http://p/ expect 200', ok: true, detail: 'HTTP 200' }],
  });

  it('starts when every gate passes, waits while one fails, pauses once failing longer than the timeout', () => {
    let r = decideAfterCheck({}, fail(0), timing);
    assert.deepEqual(r.decision, {
      action: 'wait',
      recheckAtMs: 30_000,
      reason: 'gate failing, pauses after 10m: http GET http://p/ expect 200: HTTP 503',
    });
    r = decideAfterCheck(r.state, fail(5 * 60_000), timing);
    assert.deepEqual(r.decision, {
      action: 'wait',
      recheckAtMs: 5 * 60_000 + 30_000,
      reason: 'gate failing for 5m, pauses after 10m: http GET http://p/ expect 200: HTTP 503',
    });
    r = decideAfterCheck(r.state, fail(10 * 60_000), timing);
    assert.deepEqual(r.decision, {
      action: 'pause',
      reason: 'gate failing for 10m (--gate-timeout 10m): http GET http://p/ expect 200: HTTP 503',
    });
  });

  it('a pass in between starts the count again', () => {
    let r = decideAfterCheck({}, fail(0), timing);
    r = decideAfterCheck(r.state, pass(9 * 60_000), timing);
    assert.deepEqual(r.decision, { action: 'start' });
    r = decideAfterCheck(r.state, fail(12 * 60_000), timing);
    assert.equal(r.decision.action, 'wait');
    assert.equal(r.state.failingSinceMs, 12 * 60_000);
  });

  it('timeout 0 waits for ever; a misconfigured gate pauses at once', () => {
    const forever = { ...timing, timeoutMs: 0 };
    assert.equal(decideAfterCheck({ failingSinceMs: 0 }, fail(86_400_000), forever).decision.action, 'wait');
    const broken = {
      atMs: 0,
      results: [{ gate: 'cmd /x', ok: false, detail: 'cmd gates are off', misconfigured: true }],
    };
    assert.deepEqual(decideAfterCheck({}, broken, timing).decision, {
      action: 'pause',
      reason: 'gate cannot be checked: cmd /x: cmd gates are off',
    });
  });
});

describe('ops: health gates on the dev server', function () {
  this.timeout(120_000);
  let worker: Worker;
  let running: Promise<void>;
  let taskQueue: string;
  const endpoint = new HttpReceiver();
  const dir = mkdtempSync(join(tmpdir(), 'ibfleet-gates-'));
  const script = join(dir, 'gate.sh');
  const env: Record<string, string | undefined> = { IBFLEET_GATE_COMMANDS: script };
  const fast: GateTiming = { pollIntervalMs: 100, timeoutMs: 0 };
  let n = 0;
  const run = (gates: Gate[], timing: GateTiming) =>
    testEnv().then(({ client }) =>
      client.workflow.execute(gateWaitWorkflow, {
        taskQueue,
        workflowId: `${taskQueue}-${++n}`,
        args: [gates, timing],
      }),
    );

  before(async () => {
    await endpoint.start();
    // Records its arguments (one a line) and exits with the status in <file>.status (1 without it).
    writeFileSync(
      script,
      '#!/bin/sh\nout="$1"; shift\nprintf \'%s\\n\' "$@" > "$out"\nexit "$(cat "$out.status" 2>/dev/null || echo 1)"\n',
    );
    chmodSync(script, 0o755);
    const { nativeConnection } = await testEnv();
    taskQueue = uniqueTaskQueue('gates');
    worker = await Worker.create({
      connection: nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(require.resolve('./gate-workflows')),
      activities: createGateActivities({ env }),
    });
    running = worker.run();
  });
  after(async () => {
    worker.shutdown();
    await running;
    await endpoint.stop();
  });

  it('waits while an endpoint fails and starts once it flips to healthy', async () => {
    endpoint.status = 503;
    const done = run([parseGate(`http GET ${endpoint.url('/healthy')} expect 200`)], fast);
    await endpoint.received(3);
    endpoint.status = 200;
    const { decision, waits } = await done;
    assert.deepEqual(decision, { action: 'start' });
    assert.ok(waits.length >= 3, `${waits.length} waits`);
    assert.match(
      waits[0],
      new RegExp(
        `^gate failing: http GET ${endpoint.url('/healthy')} expect 200: HTTP 503 \\(expected 200\\)$`,
      ),
    );
    assert.ok(endpoint.requests.every((r) => r.method === 'GET' && r.path === '/healthy'));
  });

  it('pauses for the operator when the gate fails longer than --gate-timeout', async () => {
    endpoint.status = 500;
    const { decision, waits } = await run([parseGate(`http HEAD ${endpoint.url()} expect 2xx`)], {
      pollIntervalMs: 100,
      timeoutMs: 1_000,
    });
    assert.equal(decision.action, 'pause');
    assert.match(
      (decision as { reason: string }).reason,
      /^gate failing for 1s \(--gate-timeout 1s\): http HEAD .* expect 2xx: HTTP 500/,
    );
    assert.ok(waits.length >= 1);
  });

  it('runs an allowed command without a shell, its arguments as written, until it exits 0', async () => {
    const out = join(dir, 'args');
    const pwned = join(dir, 'pwned');
    const gate = parseGate(`cmd ${script} ${out} '$(touch ${pwned})' 'a b' ';'`);
    const done = run([gate], fast);
    while (!existsSync(out)) await new Promise((r) => setTimeout(r, 50));
    writeFileSync(`${out}.status`, '0');
    const { decision } = await done;
    assert.deepEqual(decision, { action: 'start' });
    assert.equal(readFileSync(out, 'utf8'), `$(touch ${pwned})\na b\n;\n`);
    assert.equal(existsSync(pwned), false, 'nothing was expanded');
  });

  it('pauses at once on a command the worker does not allow (and runs nothing)', async () => {
    const { decision, waits } = await run([parseGate('cmd /bin/true')], fast);
    assert.deepEqual(waits, []);
    assert.deepEqual(decision, {
      action: 'pause',
      reason:
        "gate cannot be checked: cmd /bin/true: /bin/true is not among the executables this worker's IBFLEET_GATE_COMMANDS allows",
    });
  });
});
