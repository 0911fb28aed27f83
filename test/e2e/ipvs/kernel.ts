// The IPVS tests run inside the kernel VM (`./lab vm test ipvs`). On a kernel
// without IPVS they skip with the preflight's reason, also under CI=true; in
// the VM (SVCLAB_VM=1) a missing IPVS is a failure.
import type { TestFn } from 'ava';
import { proxyModeProblems } from '../../../src/lab/preflight.js';

/** Runs `register` when this kernel can do IPVS, else registers one skipped test that says why. */
export async function whenIpvs(test: TestFn, register: () => void): Promise<void> {
  const problems = await proxyModeProblems('ipvs');
  if (problems.length === 0) return register();
  if (process.env.SVCLAB_VM === '1') throw new Error(`inside the kernel VM IPVS must work: ${problems.join('; ')}`);
  console.log(`skipping IPVS tests: ${problems.join('; ')}`);
  test.skip('IPVS end-to-end tests (run them with ./lab vm test ipvs)', () => undefined);
}
