// An admin client of the lab a command names, closed when the command is done.
import { ApiClient } from '../client/client.js';
import { adminConnection } from '../lab/credentials.js';
import type { LabState } from '../lab/state.js';
import { requireLab } from './lab-select.js';

export async function withLabAdmin<T>(command: string, given: string | undefined, fn: (client: ApiClient, lab: { name: string; state: LabState }) => Promise<T>): Promise<T> {
  const lab = requireLab(command, given);
  const client = new ApiClient({ ...adminConnection(lab.state), timeoutMs: 5000 });
  try {
    return await fn(client, lab);
  } finally {
    client.close();
  }
}
