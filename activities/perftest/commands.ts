// The commands ibfleet runs on Linux guests (perftest pairs), made by the command builder: the test name,
// the RDMA device, the numbers and the server's address are checked against their shapes and quoted for
// the guest's shell. A guest belongs to a tenant: nothing it prints or names runs there as a command.

import { valueShapes as shapes } from '../../common/command-values';
import { shellCommand as sh, value, type ShellCommand } from '../command-line';

export interface PerftestCommand {
  /** ib_send_bw, ib_write_bw or ib_read_bw. */
  test: string;
  /** The RDMA device on this guest (mlx5_0). */
  device: string;
  queuePairs: number;
  port: number;
  bidirectional: boolean;
  /** The server's data address: given, this is the client's command. */
  serverAddress?: string;
}

export const guestCommands = {
  ibstat: sh('ibstat'),
  /** All message sizes (-a), one report in Gb/s, no CPU-frequency warning (-F). */
  perftest: (c: PerftestCommand): ShellCommand =>
    sh(
      value(shapes.perftestTest, c.test),
      '-d',
      value(shapes.rdmaDevice, c.device),
      '-a -F --report_gbits -q',
      value(shapes.queuePairs, c.queuePairs),
      '-p',
      value(shapes.port, c.port),
      ...(c.bidirectional ? ['-b'] : []),
      ...(c.serverAddress !== undefined ? [value(shapes.address, c.serverAddress)] : []),
    ),
};
