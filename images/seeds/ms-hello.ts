// pgolard/ms-hello:v4 from the seed tutorial (node app on 7777).
import { request } from '../lib/client.js';
import { listenPort } from '../lib/pod.js';
import { serve } from './express.js';

const GREETING = { msgFromHelloToBye: 'MS Hello says HELLLOOO to MS GoodBye' };

serve(listenPort(7777), {
  'GET /': () => 'This is the hello world custom node parent',
  'GET /sayHelloToSomeone': (req) => ({ personToSayHello: req.query.get('personToSalute') ?? undefined }),
  // Reaches ms-bye-svc by its DNS name or by the service environment variables, as the tutorial compares.
  'GET /contactByeFromHello': async (req) => {
    const type = req.query.get('svcDiscovery');
    console.log(`contactByeFromHello - req.query.svcDiscovery ${type ?? undefined}`);
    const port = process.env.MS_BYE_SVC_SERVICE_PORT;
    const host = process.env.MS_BYE_SVC_SERVICE_HOST;
    let url: string;
    let serviceDiscovery: string;
    if (type === 'DNS') {
      console.log('contactByeFromHello + dns');
      console.log('url is the same as the service name http://ms-bye-svc');
      url = `http://ms-bye-svc:${port}/sayHelloToBye`;
      serviceDiscovery = 'kubernetes DNS using the service name : http://ms-bye-svc';
    } else {
      console.log('contactByeFromHello + ENVVAR');
      console.log(`url is the process.env.TEST_BYE_SVC_SERVICE_HOST :${host}`);
      url = `http://${host}:${port}/sayHelloToBye`;
      serviceDiscovery = `Environment variable TEST_BYE_SVC_SERVICE_HOST: ${host}`;
    }
    // The original (request with json: true) answers an empty 200 when the call fails.
    const reply = await request(url, { method: 'POST', json: { ...GREETING, serviceDiscovery } }).catch(() => undefined);
    const body: unknown = reply && (/json/.test(reply.type ?? '') ? JSON.parse(reply.body) : reply.body);
    console.log('bodyResponse');
    console.log(body);
    return body;
  },
});
