import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadClientConnectConfig, type LoadClientProfileOptions } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { loadCodecFromEnv } from './codec/aes-gcm-codec';

// Where Temporal is, read the way every Temporal tool reads it: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
// TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE and the config file, via @temporalio/envconfig.
// Client and worker both use this, so they always agree.

export const DEFAULT_ADDRESS = 'localhost:7233';
export const DEFAULT_NAMESPACE = 'default';

/** The task queue ibfleet's worker polls and the client starts workflows on. */
export function taskQueue(): string {
  return process.env.IBFLEET_TASK_QUEUE ?? 'ibfleet';
}

export interface TemporalSettings {
  connectionOptions: NativeConnectionOptions;
  namespace: string;
}

/** `options` is for tests and tools (e.g. `overrideEnvVars`, `configSource`); by default the process env. */
export function temporalSettings(options?: LoadClientProfileOptions): TemporalSettings {
  const { connectionOptions, namespace } = loadClientConnectConfig(options);
  return {
    connectionOptions: { ...connectionOptions, address: connectionOptions.address ?? DEFAULT_ADDRESS },
    namespace: namespace ?? DEFAULT_NAMESPACE,
  };
}

/**
 * The data converter client and worker must share: with the AES-GCM payload codec when
 * IBFLEET_CODEC_KEY_FILE or IBFLEET_CODEC_KEYS is set, Temporal's default otherwise.
 * Pass it as `dataConverter` to both `new Client(...)` and `Worker.create(...)`.
 */
export function dataConverter(env: NodeJS.ProcessEnv = process.env): DataConverter {
  const codec = loadCodecFromEnv(env);
  return codec ? { payloadCodecs: [codec] } : {};
}

export async function connectClient(
  settings: TemporalSettings = temporalSettings(),
  converter: DataConverter = dataConverter(),
): Promise<Client> {
  const connection = await Connection.connect(settings.connectionOptions);
  return new Client({ connection, namespace: settings.namespace, dataConverter: converter });
}
