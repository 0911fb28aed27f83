import test from 'ava';
import { defaultConf, NGINX_CONF, nginxFiles } from '../../../../src/agent/kubelet/nginx-image.js';

test('the default server listens on 80, or on the port PORT names', (t) => {
  t.regex(defaultConf({}), /^\s+listen\s+80;$/m);
  t.regex(defaultConf({ PORT: '8000' }), /^\s+listen\s+8000;$/m);
  for (const bad of ['0', '70000', '80; evil', '']) t.regex(defaultConf({ PORT: bad }), /^\s+listen\s+80;$/m, bad);
  t.regex(defaultConf({}), /root\s+\/usr\/share\/nginx\/html;/);
});

test('nginx.conf writes nothing to the host: pid and logs go to the container', (t) => {
  t.regex(NGINX_CONF, /^pid\s+\/var\/lib\/nginx\/nginx\.pid;$/m);
  t.regex(NGINX_CONF, /^error_log\s+stderr notice;$/m);
  t.regex(NGINX_CONF, /^\s+access_log\s+\/dev\/stdout\s+main;$/m);
  t.notRegex(NGINX_CONF, /\/var\/log|\/run\//);
  t.is(nginxFiles({ PORT: '81' })['/etc/nginx/nginx.conf'], NGINX_CONF);
});
