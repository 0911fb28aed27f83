// pgolard/multcont-afternoon:v3 from the seed tutorial (node app on 4321).
import { listenPort } from '../lib/pod.js';
import { serve } from './express.js';

serve(listenPort(4321), {
  'GET /': () => 'This is the good afternoon root',
  'GET /replyToMorning': () => 'container morning successfully contacted container afternoon',
});
