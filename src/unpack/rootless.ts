/** Whether this process may chown and mknod: on Linux and macOS only as root (uid 0); never on Windows. */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
