import test from 'ava';
import { types } from '../../../../src/api/resources.js';
import type { Pod } from '../../../../src/api/types.js';
import { ApiClient } from '../../../../src/client/client.js';
import { serve } from '../../../helpers/auth.js';

test('the ServiceAccount admission: default account, kube-api-access volume mounted in every container, automount false honoured, a missing account refused', async (t) => {
  const { s, file } = await serve(t);
  const admin = new ApiClient({ server: s.url, tls: { ca: file('ca.crt') }, token: 'admin-token' });
  t.teardown(() => admin.close());
  await admin.create(types.serviceaccounts, { metadata: { name: 'default' } }, 'default');
  const containers = [{ name: 'a', image: 'lab/hello' }, { name: 'b', image: 'lab/hello' }];
  const pod = await admin.create<Pod>(types.pods, { metadata: { name: 'p' }, spec: { containers, initContainers: [{ name: 'i', image: 'lab/hello' }] } } as Pod, 'default');
  t.is(pod.spec.serviceAccountName, 'default');
  const volume = pod.spec.volumes?.[0];
  t.regex(volume?.name ?? '', /^kube-api-access-[a-z0-9]{5}$/);
  t.deepEqual(volume?.projected, {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  });
  for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) t.deepEqual(c.volumeMounts, [{ name: volume!.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
  const off = await admin.create<Pod>(types.pods, { metadata: { name: 'q' }, spec: { automountServiceAccountToken: false, containers } } as Pod, 'default');
  t.is(off.spec.volumes, undefined);
  const missing = await t.throwsAsync(admin.create<Pod>(types.pods, { metadata: { name: 'r' }, spec: { serviceAccountName: 'nobody-here', containers } } as Pod, 'default'));
  t.is(missing!.message, 'pods "r" is forbidden: error looking up service account default/nobody-here: serviceaccount "nobody-here" not found');
});
