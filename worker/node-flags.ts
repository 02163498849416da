// Node flags every ibfleet worker process starts with (`npm run worker`, the Docker image, the benchmark;
// test/production checks the launchers carry them).
//
// A worker's live heap is small (a few hundred KB per in-flight host workflow plus the rollouts), but V8
// sizes its heap limit from the machine's memory and, left alone, lets garbage pile up to hundreds of MB
// per isolate before collecting (the worker has two: the main thread and the workflow thread). The cap
// applies to each isolate. 192 MB carries the 1,000-host, 100-in-flight benchmark with room to spare;
// raise it for far more hosts in flight (NODE_OPTIONS=--max-old-space-size=N comes first and is overridden
// by these flags, so change the launcher's flag instead).
export const workerNodeFlags: readonly string[] = ['--max-old-space-size=192'];
