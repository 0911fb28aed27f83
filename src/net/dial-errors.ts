// Go's words for a failed dial, as the API server's proxy (and konnectivity) report them.
export function dialFailure(e: NodeJS.ErrnoException): string {
  const why: Record<string, string> = { ECONNREFUSED: 'connect: connection refused', EHOSTUNREACH: 'connect: no route to host', ETIMEDOUT: 'i/o timeout', ENETUNREACH: 'connect: network is unreachable' };
  return why[e.code ?? ''] ?? e.message;
}
