import { connect } from 'node:net';

/**
 * Whether a TCP port accepts a connection within `timeoutMs` (closed again at once, nothing sent). A
 * rebooting host's sshd refuses until it starts: probing the port costs a SYN and a RST, far less than an
 * SSH connection attempt.
 */
export function portAccepts(address: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const done = (accepted: boolean) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(accepted);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
