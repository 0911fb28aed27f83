// pgolard/multcont-morning:v3 from the seed tutorial (node app on 1234), the first
// container of a two-container pod; it reaches its sidecar over the pod's localhost.
import { request } from '../lib/client.js';
import { listenPort } from '../lib/pod.js';
import { serve } from './express.js';

const afternoon = Number(process.env.AFTERNOON_PORT) || 4321;

serve(listenPort(1234), {
  'GET /': () => 'This is the good morning root',
  'GET /contactAfternoon': async () => {
    console.log('contactAfternoon in msMorning');
    return (await request(`http://localhost:${afternoon}/replyToMorning`).catch(() => undefined))?.body;
  },
});
