import test from 'ava';
import { startApiServer } from '../../helpers/apiserver.js';

const deployment = (container: Record<string, unknown>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx', ...container }] } } },
});

test('fieldValidation=Strict refuses unknown fields with their paths and stores nothing', async (t) => {
  const s = await startApiServer(t);
  const r = await fetch(`${s.url}/apis/apps/v1/namespaces/default/deployments?fieldValidation=Strict`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...deployment({ imagee: 'x' }), extra: 1 }),
  });
  t.is(r.status, 400);
  t.is(
    ((await r.json()) as { message: string }).message,
    'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.template.spec.containers[0].imagee", unknown field "extra"',
  );
  t.is(s.store.list('apps/deployments').length, 0);
});

test('by default unknown fields are dropped with a Warning header; fields upstream has that the lab does not describe are kept', async (t) => {
  const s = await startApiServer(t);
  const r = await fetch(`${s.url}/apis/apps/v1/namespaces/default/deployments`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(deployment({ imagee: 'x', resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }] })),
  });
  t.is(r.status, 201);
  t.is(r.headers.get('warning'), '299 - "unknown field \\"spec.template.spec.containers[0].imagee\\""');
  const stored = s.store.list('apps/deployments')[0] as any;
  const c = stored.spec.template.spec.containers[0];
  t.false('imagee' in c);
  t.deepEqual(c.resizePolicy, [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }]);
});

test('values of the wrong JSON type are a 400 in Go words, never a 500, and nothing is stored', async (t) => {
  const s = await startApiServer(t);
  const post = async (path: string, body: unknown) => {
    const r = await fetch(`${s.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return { code: r.status, message: ((await r.json()) as { message: string }).message };
  };
  t.deepEqual(await post('/api/v1/namespaces/default/pods', { metadata: { name: 'p' }, spec: 'bad' }), {
    code: 400,
    message: 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field Pod.spec of type v1.PodSpec',
  });
  t.deepEqual(await post('/apis/apps/v1/namespaces/default/deployments', deployment({ image: 7 })), {
    code: 400,
    message: 'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.image of type string',
  });
  t.deepEqual(await post('/api/v1/namespaces/default/services', { metadata: { name: 's', labels: { a: 1 } }, spec: { ports: [{ port: 1.5 }] } }), {
    code: 400,
    message: 'Service in version "v1" cannot be handled as a Service: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
  });
  t.is(s.store.list('core/pods').length + s.store.list('apps/deployments').length + s.store.list('core/services').length, 0);
});
