import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

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

export function temporalSettings(): TemporalSettings {
  const { connectionOptions, namespace } = loadClientConnectConfig();
  return {
    connectionOptions: { ...connectionOptions, address: connectionOptions.address ?? DEFAULT_ADDRESS },
    namespace: namespace ?? DEFAULT_NAMESPACE,
  };
}

export async function connectClient(settings: TemporalSettings = temporalSettings()): Promise<Client> {
  const connection = await Connection.connect(settings.connectionOptions);
  return new Client({ connection, namespace: settings.namespace });
}
