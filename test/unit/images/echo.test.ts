import test from 'ava';
import dgram from 'node:dgram';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostIP, logged, start } from './run.js';

/** Sends the chunks (pausing between them), half-closes, and returns all the server sent. */
async function tcp(port: number, chunks: string[]): Promise<{ answer: string; localPort: number }> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const localPort = socket.localPort!;
  let answer = '';
  socket.on('data', (c: Buffer) => (answer += c.toString()));
  const closed = new Promise((resolve) => socket.once('close', resolve));
  for (const c of chunks) {
    socket.write(c);
    await sleep(30);
  }
  socket.end();
  await closed;
  return { answer, localPort };
}

async function udp(port: number, message: string): Promise<{ answer: string; localPort: number }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  // UDP may be sent before the server's UDP socket is bound (start() waits for TCP): resend, bounded.
  const send = (): void => socket.send(message, port, '127.0.0.1');
  const timer = setInterval(send, 200);
  const answer = new Promise<string>((resolve, reject) => {
    const giveUp = setTimeout(() => reject(new Error(`no UDP answer from port ${port} within 10 s`)), 10_000);
    socket.once('message', (m) => {
      clearTimeout(giveUp);
      resolve(m.toString());
    });
  });
  send();
  try {
    return { answer: await answer, localPort: socket.address().port };
  } finally {
    clearInterval(timer);
    socket.close();
  }
}

test('echo returns the bytes of a TCP connection', async (t) => {
  const echo = await start(t, 'lab/echo');
  t.is((await tcp(echo.port, ['hello\n', 'world\n'])).answer, 'hello\nworld\n');
  t.is((await tcp(echo.port, ['who', 'are you'])).answer, 'whoare you');
});

test('TCP whoami names the pod and the source address of the connection', async (t) => {
  const echo = await start(t, 'lab/echo', { HOSTNAME: 'echo-5f7c-abcde' });
  const { answer, localPort } = await tcp(echo.port, ['whoami\n']);
  t.is(answer, `pod=echo-5f7c-abcde ip=${hostIP()} client=127.0.0.1:${localPort}\n`);
});

test('TCP whoami split over several segments is still recognised', async (t) => {
  const echo = await start(t, 'lab/echo', { HOSTNAME: 'echo-1' });
  const { answer, localPort } = await tcp(echo.port, ['wh', 'oa', 'mi']);
  t.is(answer, `pod=echo-1 ip=${hostIP()} client=127.0.0.1:${localPort}\n`);
  t.is((await tcp(echo.port, ['who'])).answer, 'who');
});

test('UDP echoes datagrams and answers whoami with the source address', async (t) => {
  const echo = await start(t, 'lab/echo', { HOSTNAME: 'echo-1' });
  t.is((await udp(echo.port, 'ping 1')).answer, 'ping 1');
  const { answer, localPort } = await udp(echo.port, 'whoami');
  t.is(answer, `pod=echo-1 ip=${hostIP()} client=127.0.0.1:${localPort}\n`);
  await logged(t, echo, `\nudp 127.0.0.1:${localPort}\n`);
});
