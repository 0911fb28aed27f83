// pgolard/ms-bye:v4 from the seed tutorial (node app on 9999).
import { listenPort } from '../lib/pod.js';
import { serve } from './express.js';

serve(listenPort(9999), {
  'GET /': () => 'This is the test bye with custom node parent image',
  'GET /sayByeToSomeone': (req) => ({ personToSayBye: req.query.get('personToSalute') ?? undefined }),
  'POST /sayHelloToBye': (req) => {
    console.log('testBye MS + sayHelloToBye');
    console.log(req.body);
    return { ...(req.body as object), msgFromByeToHello: 'MS Bye replies SEE YOU to MS Hello' };
  },
});
