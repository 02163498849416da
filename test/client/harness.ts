import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliDeps, HostKeyScanner, TemporalFactory } from '../../client/deps';
import { runCli } from '../../client/program';
import { TEST_CREDENTIAL_POLICY_ENV } from '../helpers/credential-policy-env';

// Runs the real CLI code in-process with captured output, a fixed clock and identity, and by default a
// Temporal factory that records every call (tests of bad input assert it was never called).

export interface Harness {
  deps: CliDeps;
  stdout(): string;
  stderr(): string;
  temporalCalls(): number;
  run(...argv: string[]): Promise<number>;
  /** Like Ctrl-C. */
  interrupt(): void;
}

export const noScanner: HostKeyScanner = () =>
  Promise.reject(new Error('the test did not expect a host key scan'));

export function harness(
  opts: {
    connectTemporal?: TemporalFactory;
    scanHostKey?: HostKeyScanner;
    isTTY?: boolean;
    onStdout?: (text: string) => void;
    /** The CLI's environment, over the test credential policy (credential-policy-env.ts). */
    env?: Record<string, string | undefined>;
  } = {},
): Harness {
  let out = '';
  let err = '';
  let calls = 0;
  const interrupt = new AbortController();
  const deps: CliDeps = {
    stdout: {
      write: (t) => {
        out += t;
        opts.onStdout?.(t);
      },
      isTTY: opts.isTTY ?? false,
      columns: 120,
      rows: 40,
    },
    stderr: { write: (t) => void (err += t), isTTY: false },
    connectTemporal: () => {
      calls++;
      return opts.connectTemporal
        ? opts.connectTemporal()
        : Promise.reject(new Error('Temporal must not be contacted in this test'));
    },
    scanHostKey: opts.scanHostKey ?? noScanner,
    env: { ...TEST_CREDENTIAL_POLICY_ENV, ...opts.env },
    now: () => new Date('2025-03-04T05:06:07Z'),
    sleep: (ms, signal) =>
      new Promise((resolve) => {
        const onAbort = () => {
          clearTimeout(t);
          resolve();
        };
        const t = setTimeout(
          () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
          Math.min(ms, 50),
        );
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    identity: () => 'tester@testhost',
    randomSuffix: () => 'ab12',
    interrupt: interrupt.signal,
  };
  return {
    deps,
    stdout: () => out,
    stderr: () => err,
    temporalCalls: () => calls,
    run: (...argv) => runCli(argv, deps),
    interrupt: () => interrupt.abort(),
  };
}

/** A temporary folder with files; removed by cleanup(). */
export function tempDir(): { dir: string; write(name: string, text: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ibfleet-cli-test-'));
  return {
    dir,
    write: (name, text) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const KEY_A = 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU';
export const KEY_B = 'SHA256:2b8Qm3M1cZl0bD3v7n0zQ2f6Y8tq3rY0bVbq0o7m1nE';

/** A valid inventory: two clusters of ESXi hosts, a switch, a guest pair. */
export const VALID_INVENTORY = `# test fleet
version: 1
defaults:
  username: root
  credential: { type: private-key, path: /etc/ibfleet/keys/id_ed25519 }
clusters:
  - name: gpu-a
    hosts:
      - name: esx-01
        address: 10.0.0.11
        hostKey: ${KEY_A}
        tags: [cx7, rack-4]
      - name: esx-02
        address: 10.0.0.12
        port: 2222
        hostKey: ${KEY_A}
        tags: [cx7]
        credential: { type: password-env, env: IBFLEET_SSH_ESX02_PASSWORD }
      - name: esx-03
        address: 10.0.0.13
        hostKey: ${KEY_A}
  - name: gpu-b
    hosts:
      - name: esx-11
        address: 10.0.0.21
        hostKey: ${KEY_A}
        tags: [cx6]
      - name: esx-12
        address: esx-12.example.net
        hostKey: ${KEY_A}
switches:
  - name: ibsw-a
    address: 10.0.0.2
    username: admin
    hostKey: ${KEY_B}
    tags: [spine]
guestPairs:
  - name: pair-a
    cluster: gpu-a
    server: { name: vm-a1, address: 10.0.1.21, dataAddress: 192.168.130.10, ibDevice: mlx5_0, hostKey: ${KEY_B}, username: ubuntu }
    client: { name: vm-a2, address: 10.0.1.22, dataAddress: 192.168.130.11, ibDevice: mlx5_0, hostKey: ${KEY_B}, username: ubuntu }
`;
