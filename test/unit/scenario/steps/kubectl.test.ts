import test from 'ava';
import { isReading, kubectlWords, splitCommandLine } from '../../../../src/scenario/steps/kubectl.js';

test('command lines split as a shell would: quotes, escapes, a pipe after kubectl', (t) => {
  t.deepEqual(splitCommandLine(`kubectl exec p -- curl x --header "Host: www.google.com"`).words, ['kubectl', 'exec', 'p', '--', 'curl', 'x', '--header', 'Host: www.google.com']);
  t.deepEqual(splitCommandLine(`kubectl patch d -p '[{"op":"add"}]' a\\ b ""`).words, ['kubectl', 'patch', 'd', '-p', '[{"op":"add"}]', 'a b', '']);
  t.deepEqual(splitCommandLine('kubectl exec p -- printenv | grep SERVICE | sort'), { words: ['kubectl', 'exec', 'p', '--', 'printenv'], pipe: 'grep SERVICE | sort' });
  t.deepEqual(splitCommandLine(`kubectl get 'a|b'`).words, ['kubectl', 'get', 'a|b']);
  t.throws(() => splitCommandLine(`kubectl get "svc`), { message: /unterminated "/ });
});

test('a kubectl step starts with kubectl; reading verbs are checks, others actions', (t) => {
  t.deepEqual(kubectlWords('kubectl --dry-run=true -o yaml expose deployment x').args, ['--dry-run=true', '-o', 'yaml', 'expose', 'deployment', 'x']);
  t.throws(() => kubectlWords('curl http://x'), { message: /starts with "kubectl"/ });
  t.true(isReading('kubectl get svc,ep'));
  t.true(isReading({ command: 'kubectl describe clusterrole x  -n kube-system' }));
  t.true(isReading('kubectl exec p -- printenv | grep SERVICE'));
  t.false(isReading('kubectl expose deployment/httpenv --port 8888'));
  t.false(isReading('kubectl -n demo create deployment web --image=nginx'));
  t.true(isReading('kubectl -n demo get pods'));
});
