import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE_MESSAGE_BYTES } from '../../activities/failure-boundary';
import { createActivities } from '../../activities';
import type { CommandResult, ShellSession, SshRunner } from '../../activities/ssh';
import { timingSchema } from '../../common/procedures';
import type { GuestRef, HostRef, SwitchRef } from '../../common/targets';
import { callInWorker, IN_WORKER, stopWorkers } from '../helpers/in-worker';

// Every failure an activity throws leaves the worker bounded and redacted, whichever path built it:
// each activity of createActivities() runs against hosts whose every command prints ~300 KB holding a
// password, tokens and private keys (exiting 1, exiting 0, or failing in the SSH layer itself). No
// message, stack, detail or cause may quote a secret or exceed its bound. A new activity is covered
// as soon as it is added to createActivities (it gets the same input, with every field any step takes).

const PASSWORD = 'Hunter2-Secret-Pw';
const TOKEN = 'tok3n-S3cret-Value';
const API_KEY = 'ak-9f8e7d6c5b4a';
const KEY_BODY = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gt';
const SECRETS = [PASSWORD, TOKEN, API_KEY, KEY_BODY];

const keyBlock = (lines: number) =>
  [
    '-----BEGIN OPENSSH PRIVATE KEY-----',
    ...Array.from({ length: lines }, () => KEY_BODY),
    '-----END OPENSSH PRIVATE KEY-----',
  ].join('\n');
const filler = (lines: number) =>
  Array.from({ length: lines }, (_, i) => `Device #1 line ${i}: mt4125 configuration dump`).join('\n');

/** ~300 KB: what mlxconfig, esxcli, the switch CLI or perftest might print, secrets first and last. */
const HOSTILE = [
  `-E- Failed to set configuration: password=${PASSWORD}`,
  `% Unrecognized command "token=${TOKEN}"`,
  `IB device mlx5_9 not found; api_key: ${API_KEY}`,
  keyBlock(2_000), // ~140 KB, starting in the first kilobyte
  filler(2_000),
  `% Invalid input: password=${PASSWORD}`,
  keyBlock(300), // its BEGIN line far from the end, its END line near it
  `-E- failed: token=${TOKEN}`,
].join('\n');

const timing = timingSchema.parse({
  bootDeadlineMs: 1_000,
  pollIntervalMs: 50,
  maxPollIntervalMs: 50,
  stabilityMs: 0,
  rebootStartMs: 100,
  commandTimeoutMs: 500,
  connectTimeoutMs: 500,
  heartbeatTimeoutMs: 500,
});
const endpoint = {
  address: '127.0.0.1',
  port: 22,
  username: 'root',
  hostKey: 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU',
  credential: { type: 'private-key' as const, path: '/etc/ibfleet/keys/id_ed25519' },
};
const host: HostRef = { ...endpoint, kind: 'esxi', name: 'esx-01', cluster: 'gpu-a', tags: [] };
const target: SwitchRef = { ...endpoint, kind: 'switch', name: 'ibsw-a', tags: [] };
const guest = (name: string, dataAddress: string): GuestRef => ({
  ...endpoint,
  name,
  dataAddress,
  ibDevice: 'mlx5_0',
});

/** Every field any activity takes (a new activity gets it too). */
function anyInput(): Record<string, unknown> {
  return {
    host,
    target,
    pair: {
      kind: 'guest-pair',
      name: 'pair-a',
      tags: [],
      server: guest('vm-a1', '192.168.130.10'),
      client: guest('vm-a2', '192.168.130.11'),
    },
    hosts: [host],
    endpoints: [host, target],
    timing,
    step: 'hostile-output',
    key: 'mst_recovery',
    value: '1',
    original: 'max_vfs=8,8',
    enabled: true,
    before: { boots: 3, bootTimeMs: 1_700_000_000_000, uptimeMs: 60_000 },
    reason: 'test',
    viaEsxcli: true,
    deadlineAt: Date.now() + 300,
    require: true,
    devices: ['mt4125_pciconf0'],
    device: 'mt4125_pciconf0',
    values: { SRIOV_EN: '1', NUM_OF_VFS: '16' },
    vms: [{ vmid: 1, name: 'vm1', file: '[datastore1] vm1/vm1.vmx' }],
    forcePowerOff: true,
    timeoutSeconds: 5,
    peers: [host],
    force: true,
    restartSm: true,
    test: 'ib_write_bw',
    queuePairs: 1,
    bidirectional: false,
    lineRateGbps: 200,
    port: 18515,
  };
}

type Mode = 'exit 1' | 'exit 0' | 'ssh layer throws';

/** A runner whose hosts answer every command with HOSTILE (or whose SSH layer fails quoting it). */
function hostileRunner(mode: Mode): SshRunner {
  const answer = (): CommandResult => {
    if (mode === 'ssh layer throws') throw new Error(`channel failed: ${HOSTILE}`);
    return {
      code: mode === 'exit 1' ? 1 : 0,
      stdout: HOSTILE,
      stderr: mode === 'exit 1' ? HOSTILE : '',
      durationMs: 1,
    };
  };
  const session: ShellSession = {
    send: () => Promise.resolve(answer().stdout),
    close: () => Promise.resolve(),
  } as unknown as ShellSession;
  return {
    run: () => Promise.resolve().then(answer),
    shell: () => Promise.resolve().then(() => (answer(), session)),
    evict: () => undefined,
  } as unknown as SshRunner;
}

/** Everything of a thrown error that Temporal would store: message, stack, details, causes. */
function storedText(err: unknown, depth = 0): string {
  if (!(err instanceof Error) || depth > 10) return String(err);
  const details = err instanceof ApplicationFailure ? JSON.stringify(err.details ?? []) : '';
  return [err.message, err.stack ?? '', details, err.cause ? storedText(err.cause, depth + 1) : ''].join(
    '\n',
  );
}

describe('security: activity failures built from host output are bounded and redacted', function () {
  this.timeout(60_000);

  for (const mode of ['exit 1', 'exit 0', 'ssh layer throws'] as const) {
    it(`every activity, when commands ${mode === 'ssh layer throws' ? 'fail in the SSH layer' : mode} with ~300 KB of secrets`, async () => {
      const activities = createActivities({ runner: hostileRunner(mode) }) as unknown as Record<
        string,
        (input: unknown) => Promise<unknown>
      >;
      const failed: string[] = [];
      for (const [name, activity] of Object.entries(activities)) {
        let thrown: unknown;
        try {
          await activity(anyInput());
          continue; // a step that reads nothing it needs from the output may succeed; it quoted nothing
        } catch (err) {
          thrown = err;
        }
        failed.push(name);
        assert.ok(thrown instanceof Error, `${name}: threw ${String(thrown)}`);
        const stored = storedText(thrown);
        for (const secret of SECRETS)
          assert.ok(
            !stored.includes(secret),
            `${name} (${mode}) quotes ${secret}:\n${stored.slice(0, 2000)}`,
          );
        assert.ok(
          Buffer.byteLength(thrown.message) <= FAILURE_MESSAGE_BYTES + 64,
          `${name} (${mode}): a ${Buffer.byteLength(thrown.message)}-byte message`,
        );
        assert.ok(stored.length < 64 * 1024, `${name} (${mode}): ${stored.length} characters stored`);
      }
      // The paths of the report were really taken (mlxconfig rejection, switch `%` errors, perftest).
      for (const name of [
        'readHostFacts',
        'setMlxconfig',
        'readSwitchState',
        'enableSmVirt',
        'runBandwidthTest',
      ])
        assert.ok(failed.includes(name), `${name} did not fail (${mode})`);
    });
  }
});

describe('security: a switch printing megabytes does not freeze the worker', () => {
  afterEach(stopWorkers);

  it('finds (or misses) the MLNX-OS prompt in linear time (a backtracking prompt pattern times out here)', async () => {
    let prompt: RegExp | undefined;
    const runner = {
      shell: (_target: unknown, opts: { prompt: RegExp }) => {
        prompt = opts.prompt;
        return Promise.reject(new Error('only the prompt pattern was wanted'));
      },
    } as unknown as SshRunner;
    await createActivities({ runner })
      .readSwitchState(anyInput() as never)
      .catch(() => undefined);
    assert.ok(prompt, 'readSwitchState opens a shell with a prompt pattern');
    const brackets = '['.repeat(4 * 1024 * 1024);
    const withPrompt = `${brackets}\nsw1 [standalone: master] # `;
    assert.equal(await callInWorker(IN_WORKER, 'matchIndex', [prompt, brackets]), null);
    assert.equal(
      await callInWorker(IN_WORKER, 'matchIndex', [prompt, withPrompt]),
      withPrompt.indexOf('[standalone'),
    );
  });
});
